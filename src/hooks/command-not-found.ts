import { Errors, type Hook } from '@oclif/core'
import fs from 'node:fs'

/**
 * `caiged . --spin dev` (the form the README's first example uses): a first word that is a
 * folder, not a command, means `caiged run FOLDER`. Anything else is oclif's usual "not found".
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const word = options.id.replaceAll(':', ' ')
  const looksLikePath = /^(\.{1,2}|~)?\//.test(word) || word === '.' || word === '..'
  const isFolder = fs.statSync(word, { throwIfNoEntry: false })?.isDirectory() ?? false
  if (looksLikePath || isFolder) {
    return options.config.runCommand('run', [word, ...(options.argv ?? [])])
  }
  // Not a folder either: oclif's own message (with its "did you mean") follows.
  throw new Errors.CLIError(`command ${word} not found`, {
    exit: 2,
    suggestions: [
      `caiged --help lists the commands; caiged run ${word} runs the agent on a folder of that name.`,
    ],
  })
}

export default hook
