import { usageError } from '../errors.js'
import { lazyReadline } from '../builtins.js'

/** Whether caiged may ask the user something: both ends must be a terminal. */
export const canPrompt = () => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/**
 * Asks a yes/no question on the terminal (written to stderr, so stdout stays clean). With no
 * terminal it never waits: it fails with the flag that answers the question instead.
 */
export async function confirm(question: string, flagThatAnswers: string): Promise<boolean> {
  if (!canPrompt()) {
    throw usageError(
      `${question.replace(/\?$/, '')}: confirmation needed, but there is no terminal to ask on.`,
      `Pass ${flagThatAnswers} to confirm.`,
    )
  }
  const rl = lazyReadline().createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^(y|yes)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
