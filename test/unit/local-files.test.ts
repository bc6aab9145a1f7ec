import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isDirectory, readTextIfExists, statIfExists } from '../../src/host/local-files.js'

describe('small local files, read in place', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-local-files-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('reads a file, and says undefined for one that is not there', () => {
    fs.writeFileSync(path.join(dir, 'a.json'), '{"x":1}\n')
    expect(readTextIfExists(path.join(dir, 'a.json'))).toBe('{"x":1}\n')
    expect(readTextIfExists(path.join(dir, 'missing.json'))).toBeUndefined()
  })

  it('throws any other failure rather than taking it for a missing file', () => {
    expect(() => readTextIfExists(dir)).toThrow(/EISDIR/)
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked')
      fs.writeFileSync(locked, 'secret', { mode: 0o000 })
      expect(() => readTextIfExists(locked)).toThrow(/EACCES/)
    }
  })

  it('stats what is there, following links, and tells folders apart', () => {
    fs.writeFileSync(path.join(dir, 'f'), '')
    fs.symlinkSync(dir, path.join(dir, 'link'))
    expect(statIfExists(path.join(dir, 'f'))?.isFile()).toBe(true)
    expect(statIfExists(path.join(dir, 'nothing'))).toBeUndefined()
    expect(isDirectory(dir)).toBe(true)
    expect(isDirectory(path.join(dir, 'link'))).toBe(true)
    expect(isDirectory(path.join(dir, 'f'))).toBe(false)
    expect(isDirectory(path.join(dir, 'nothing'))).toBe(false)
    // A path through a file is nothing there, not an error.
    expect(isDirectory(path.join(dir, 'f', 'below'))).toBe(false)
  })
})
