import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CaigedError, ExitCode } from '../../src/errors.js'
import { packageRoot } from '../../src/paths.js'
import {
  checkSpinName,
  findSpin,
  listSpins,
  readSpinFiles,
  spinRoots,
  type SpinSource,
} from '../../src/spins/discovery.js'
import { checkSpin, loadSpin } from '../../src/spins/load.js'
import { InvalidSpinError } from '../../src/spins/problems.js'

let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-spins-'))
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})
/** The environment spins are found through: the user's own spins never leak into these tests. */
const env = () => ({ HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'xdg') })

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

/** A valid spin folder: AGENTS.md, spin.yaml and one skill. */
function makeSpin(dir: string, description = 'A temp spin.'): string {
  write(path.join(dir, 'AGENTS.md'), '# Temp\n\nYou are a temp spin.\n')
  write(path.join(dir, 'spin.yaml'), `description: ${description}\npackages: [jq]\n`)
  write(
    path.join(dir, 'skills', 'foo-bar', 'SKILL.md'),
    '---\nname: foo-bar\ndescription: Does foo, then bar.\n---\n\n# Foo bar\n',
  )
  return dir
}

function caught(fn: () => unknown): CaigedError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(CaigedError)
    return error as CaigedError
  }
  throw new Error('expected a CaigedError')
}

async function rejected(promise: Promise<unknown>): Promise<CaigedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CaigedError)
  return error as CaigedError
}

describe('checkSpinName', () => {
  it('accepts spin names', () => {
    for (const name of ['dev', 'qa', 'security', 'a', '0', 'my_spin-2', 'a'.repeat(40)]) {
      expect(checkSpinName(name)).toBe(name)
    }
  })

  it('refuses anything else with a usage error', () => {
    for (const name of ['../x', 'Dev', '', 'a'.repeat(41), '-x', '_x', 'a/b', 'a b', '.', 'dev\n']) {
      const error = caught(() => checkSpinName(name))
      expect(error.exitCode, JSON.stringify(name)).toBe(ExitCode.Usage)
      expect(error.exitCode).toBe(2)
      expect(error.hint).toMatch(/40 characters/)
    }
  })
})

describe('spinRoots', () => {
  it('lists project, user and built-in spins, most specific first', () => {
    expect(spinRoots('/proj', { HOME: '/h', XDG_CONFIG_HOME: '/x' })).toEqual([
      ['project', '/proj/.caiged/spins'],
      ['user', '/x/caiged/spins'],
      ['built-in', path.join(packageRoot, 'spins')],
    ])
  })

  it('has no project root without a project, and follows HOME without XDG_CONFIG_HOME', () => {
    expect(spinRoots(undefined, { HOME: '/h' })).toEqual([
      ['user', '/h/.config/caiged/spins'],
      ['built-in', path.join(packageRoot, 'spins')],
    ])
  })
})

describe('listSpins and findSpin', () => {
  let roots: [SpinSource, string][]
  beforeEach(() => {
    const project = path.join(tmp, 'project')
    const user = path.join(tmp, 'user')
    makeSpin(path.join(project, 'shared'), 'Project version.')
    makeSpin(path.join(project, 'zeta'))
    makeSpin(path.join(user, 'shared'), 'User version.')
    makeSpin(path.join(user, 'alpha'))
    makeSpin(path.join(user, 'Bad Name'))
    makeSpin(path.join(user, '.hidden'))
    write(path.join(user, 'plain-file'), 'not a spin')
    write(path.join(project, 'alpha'), 'a file does not shadow a spin folder')
    roots = [
      ['project', project],
      ['user', user],
      ['built-in', path.join(tmp, 'missing')],
    ]
  })

  it('returns one spin per name, the most specific winning, sorted by name', async () => {
    expect(await listSpins(roots)).toEqual([
      { name: 'alpha', source: 'user', dir: path.join(tmp, 'user', 'alpha') },
      { name: 'shared', source: 'project', dir: path.join(tmp, 'project', 'shared') },
      { name: 'zeta', source: 'project', dir: path.join(tmp, 'project', 'zeta') },
    ])
  })

  it('follows a symlink to a spin folder', async () => {
    fs.symlinkSync(path.join(tmp, 'user', 'alpha'), path.join(tmp, 'project', 'linked'))
    expect((await listSpins(roots)).map((s) => s.name)).toEqual(['alpha', 'linked', 'shared', 'zeta'])
  })

  it('is empty when no root exists', async () => {
    expect(await listSpins([['user', path.join(tmp, 'nope')]])).toEqual([])
  })

  it('leaves out folders whose name is too long to be a spin name', async () => {
    makeSpin(path.join(tmp, 'user', 'a'.repeat(41)))
    expect((await listSpins(roots)).map((s) => s.name)).toEqual(['alpha', 'shared', 'zeta'])
  })

  it('finds a spin in the most specific root', async () => {
    expect(await findSpin('shared', roots)).toEqual({
      name: 'shared',
      source: 'project',
      dir: path.join(tmp, 'project', 'shared'),
    })
    expect(await findSpin('alpha', roots)).toMatchObject({ source: 'user' })
  })

  it('refuses an unknown spin with NotFound and lists the known ones', async () => {
    const error = await rejected(findSpin('nope', roots))
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.exitCode).toBe(5)
    expect(error.message).toContain('"nope"')
    expect(error.hint).toContain('alpha, shared, zeta')
  })

  it('says so when there are no spins at all', async () => {
    const error = await rejected(findSpin('nope', [['user', path.join(tmp, 'nope')]]))
    expect(error.hint).toBe('No spins found at all.')
  })

  it('validates the name before it reaches a path', async () => {
    makeSpin(path.join(tmp, 'escaped'))
    const error = await rejected(findSpin('../escaped', [['user', path.join(tmp, 'user')]]))
    expect(error.exitCode).toBe(ExitCode.Usage)
  })
})

describe('readSpinFiles', () => {
  it('reads what validation needs', async () => {
    const dir = makeSpin(path.join(tmp, 'demo'))
    write(path.join(dir, 'skills', '.DS_Store'), '')
    write(path.join(dir, 'README.md'), 'not read')
    const files = await readSpinFiles('demo', dir)
    expect(files).toEqual({
      name: 'demo',
      agentsMd: '# Temp\n\nYou are a temp spin.\n',
      hasLegacyAgentMd: false,
      manifestText: 'description: A temp spin.\npackages: [jq]\n',
      hasMcpFolder: false,
      skills: [
        {
          folder: 'foo-bar',
          isDirectory: true,
          skillMd: '---\nname: foo-bar\ndescription: Does foo, then bar.\n---\n\n# Foo bar\n',
        },
      ],
      skillsIsDirectory: true,
    })
  })

  it('notices a legacy AGENT.md, an mcp/ folder, files in skills/ and a missing SKILL.md', async () => {
    const dir = path.join(tmp, 'legacy')
    write(path.join(dir, 'AGENT.md'), '# old')
    fs.mkdirSync(path.join(dir, 'mcp'))
    write(path.join(dir, 'skills', 'notes.md'), 'x')
    fs.mkdirSync(path.join(dir, 'skills', 'empty'))
    const files = await readSpinFiles('legacy', dir)
    expect(files).toMatchObject({
      agentsMd: undefined,
      hasLegacyAgentMd: true,
      manifestText: undefined,
      hasMcpFolder: true,
      skills: [
        { folder: 'empty', isDirectory: true, skillMd: undefined },
        { folder: 'notes.md', isDirectory: false, skillMd: undefined },
      ],
    })
  })

  it('tells a skills file from a missing skills folder', async () => {
    const dir = path.join(tmp, 'odd')
    write(path.join(dir, 'skills'), 'a file')
    expect(await readSpinFiles('odd', dir)).toMatchObject({ skills: undefined, skillsIsDirectory: false })
    const none = path.join(tmp, 'none')
    fs.mkdirSync(none)
    expect(await readSpinFiles('none', none)).toMatchObject({ skills: undefined, skillsIsDirectory: true })
  })
})

describe('loadSpin and checkSpin', () => {
  it('loads a valid spin from the project', async () => {
    const project = path.join(tmp, 'project')
    const dir = makeSpin(path.join(project, '.caiged', 'spins', 'demo'))
    const spin = await loadSpin('demo', project, env())
    expect(spin).toEqual({
      name: 'demo',
      source: 'project',
      dir,
      manifest: { description: 'A temp spin.', packages: ['jq'] },
      skills: [{ name: 'foo-bar', description: 'Does foo, then bar.' }],
      agentsMd: '# Temp\n\nYou are a temp spin.\n',
    })
  })

  it('loads a spin from the user folder', async () => {
    makeSpin(path.join(tmp, 'xdg', 'caiged', 'spins', 'mine'))
    expect(await loadSpin('mine', undefined, env())).toMatchObject({ name: 'mine', source: 'user' })
  })

  it('throws InvalidSpinError listing every problem of an invalid spin', async () => {
    const project = path.join(tmp, 'project')
    const dir = path.join(project, '.caiged', 'spins', 'broken')
    write(path.join(dir, 'spin.yaml'), 'description: d\nfoo: 1\n')
    write(path.join(dir, 'skills', 'Bad', 'SKILL.md'), 'no front matter')
    const error = await loadSpin('broken', project, env()).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidSpinError)
    expect(error).toBeInstanceOf(CaigedError)
    const invalid = error as InvalidSpinError
    expect(invalid.spin).toBe('broken')
    expect(invalid.exitCode).toBe(ExitCode.Config)
    expect(invalid.problems.map((p) => p.file)).toEqual([
      'AGENTS.md',
      'spin.yaml',
      'skills/Bad',
      'skills/Bad/SKILL.md',
    ])
    expect(invalid.message).toContain('Spin "broken" is invalid:\n')
    expect(invalid.message).toContain('  - spin.yaml: unknown field: foo')
    expect(invalid.hint).toContain('caiged spins validate broken')
  })

  it('puts a single problem on one line', async () => {
    const project = path.join(tmp, 'project')
    const dir = makeSpin(path.join(project, '.caiged', 'spins', 'one'))
    write(path.join(dir, 'AGENTS.md'), '   \n')
    await expect(loadSpin('one', project, env())).rejects.toThrow(
      'Spin "one" is invalid: AGENTS.md: is empty',
    )
  })

  it('checks a spin by path', async () => {
    const dir = makeSpin(path.join(tmp, 'path', 'to', 'spin'))
    const relative = `./${path.relative(process.cwd(), dir)}`
    const check = await checkSpin(relative, undefined, env())
    expect(check.location).toEqual({ name: 'spin', source: 'path', dir })
    expect(check.problems).toEqual([])
    expect(check.spin?.skills).toEqual([{ name: 'foo-bar', description: 'Does foo, then bar.' }])
    expect((await checkSpin(dir, undefined, env())).problems).toEqual([])
  })

  it('returns the problems of an invalid spin by path without throwing', async () => {
    const dir = path.join(tmp, 'bad-spin')
    fs.mkdirSync(dir)
    const check = await checkSpin(dir, undefined, env())
    expect(check.spin).toBeUndefined()
    expect(check.problems).toEqual([
      { file: 'AGENTS.md', message: "missing: every spin needs the role's instructions in AGENTS.md" },
    ])
  })

  it('refuses a path to a missing folder with NotFound', async () => {
    const error = await rejected(checkSpin(path.join(tmp, 'path', 'to', 'nothing'), undefined, env()))
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.exitCode).toBe(5)
  })

  it('refuses a spin folder whose name is not a spin name', async () => {
    const dir = makeSpin(path.join(tmp, 'Not A Spin'))
    const error = await rejected(checkSpin(dir, undefined, env()))
    expect(error.exitCode).toBe(ExitCode.Usage)
  })

  it('refuses an unknown spin name with NotFound', async () => {
    const error = await rejected(checkSpin('no-such-spin', undefined, env()))
    expect(error.exitCode).toBe(ExitCode.NotFound)
  })
})

describe('built-in spins', () => {
  const BUILT_IN = ['dev', 'qa', 'security']

  it('are listed as built-in', async () => {
    const spins = await listSpins(spinRoots(undefined, { HOME: tmp }))
    for (const name of BUILT_IN) {
      expect(spins).toContainEqual({ name, source: 'built-in', dir: path.join(packageRoot, 'spins', name) })
    }
  })

  it.each(BUILT_IN)('%s is valid', async (name) => {
    const check = await checkSpin(name, undefined, env())
    expect(check.location.source).toBe('built-in')
    expect(check.problems).toEqual([])
    expect(check.spin?.skills.length).toBeGreaterThan(0)
    expect(check.spin?.manifest.description).toMatch(/\S/)
  })
})
