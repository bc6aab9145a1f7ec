import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { derivePassword, saltProblem } from '../../src/secrets/password.js'

describe('derivePassword', () => {
  it('is hex(sha256(name + salt)), the original formula', () => {
    const salt = 'ab'.repeat(32)
    const expected = createHash('sha256').update(`caiged-dev-foo-bar${salt}`).digest('hex')
    expect(derivePassword('caiged-dev-foo-bar', salt)).toBe(expected)
    // A fixed vector, so a change of formula can't pass by changing both sides.
    expect(derivePassword('caiged-dev-a-b', '0'.repeat(64))).toBe(
      createHash('sha256')
        .update('caiged-dev-a-b' + '0'.repeat(64))
        .digest('hex'),
    )
    expect(derivePassword('x', 'y')).toBe('769a4e6d0003189c7e96c5d9b7e810a0d11c3a12832527ec94b0f86d277f51ca')
  })
})

describe('saltProblem', () => {
  it('accepts 64 lower-case hex digits, with the newline the file ends in', () => {
    expect(saltProblem(`${'0a'.repeat(32)}\n`)).toBeUndefined()
  })
  it.each([
    ['', 'it is empty'],
    ['  \n', 'it is empty'],
    ['abc', 'it holds 3 characters that are not 64 lower-case hex digits'],
    ['Z'.repeat(64), 'it holds 64 characters that are not 64 lower-case hex digits'],
  ])('rejects %j', (content, problem) => {
    expect(saltProblem(content)).toBe(problem)
  })
})
