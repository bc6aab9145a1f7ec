import { z } from 'zod/v3'

/** A string the given parser accepts; its one-sentence refusal becomes the issue's message. */
export function parsedBy(parse: (text: string) => unknown) {
  return z.string().superRefine((value, ctx) => {
    try {
      parse(value)
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
    }
  })
}
