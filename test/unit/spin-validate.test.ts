import { describe, expect, it } from 'vitest'
import { McpServerSchema, SkillFrontMatterSchema, SpinManifestSchema } from '../../src/spins/manifest.js'
import { frontMatter, validateSpinFiles, type SpinFiles } from '../../src/spins/validate.js'

type SkillEntry = NonNullable<SpinFiles['skills']>[number]

const VALID_MANIFEST = `# a comment
description: Reviews things.
agent:
  description: Reviews every change.
  permission:
    edit: ask
    bash:
      "*": ask
      "git *": allow
    webfetch: deny
packages:
  - jq
  - make=4.3-4.1
mcp:
  context7:
    type: local
    command: ["npx", "-y", "@upstash/context7-mcp"]
  docs:
    type: remote
    url: https://mcp.example.com/mcp
`

function skill(folder: string, name = folder, description = `What ${folder} does.`): SkillEntry {
  return {
    folder,
    isDirectory: true,
    skillMd: `---\nname: ${name}\ndescription: ${description}\n---\n\n# Body\n`,
  }
}

function spinFiles(overrides: Partial<SpinFiles> = {}): SpinFiles {
  return {
    name: 'demo',
    agentsMd: '# Demo\n\nYou review code.\n',
    hasLegacyAgentMd: false,
    manifestText: 'description: A demo spin.\n',
    hasMcpFolder: false,
    skills: undefined,
    skillsIsDirectory: true,
    ...overrides,
  }
}

const problemsOf = (overrides: Partial<SpinFiles>) => validateSpinFiles(spinFiles(overrides)).problems
const manifestProblems = (manifestText: string) => problemsOf({ manifestText })

describe('validateSpinFiles: a valid spin', () => {
  it('returns no problems, the parsed manifest and the skills', () => {
    const result = validateSpinFiles(
      spinFiles({ manifestText: VALID_MANIFEST, skills: [skill('code-review'), skill('threat-model')] }),
    )
    expect(result.problems).toEqual([])
    expect(result.manifest).toEqual({
      description: 'Reviews things.',
      agent: {
        description: 'Reviews every change.',
        permission: { edit: 'ask', bash: { '*': 'ask', 'git *': 'allow' }, webfetch: 'deny' },
      },
      packages: ['jq', 'make=4.3-4.1'],
      mcp: {
        context7: { type: 'local', command: ['npx', '-y', '@upstash/context7-mcp'] },
        docs: { type: 'remote', url: 'https://mcp.example.com/mcp' },
      },
    })
    expect(result.skills).toEqual([
      { name: 'code-review', description: 'What code-review does.' },
      { name: 'threat-model', description: 'What threat-model does.' },
    ])
  })

  it('defaults the manifest when spin.yaml is absent', () => {
    const result = validateSpinFiles(spinFiles({ name: 'reviewer', manifestText: undefined }))
    expect(result.problems).toEqual([])
    expect(result.manifest).toEqual({ description: 'The reviewer spin.' })
    expect(result.skills).toEqual([])
  })

  it('accepts an empty skills/ folder', () => {
    expect(validateSpinFiles(spinFiles({ skills: [] }))).toMatchObject({ problems: [], skills: [] })
  })
})

describe('validateSpinFiles: AGENTS.md and legacy layout', () => {
  it('reports a missing AGENTS.md', () => {
    expect(problemsOf({ agentsMd: undefined })).toEqual([
      { file: 'AGENTS.md', message: "missing: every spin needs the role's instructions in AGENTS.md" },
    ])
  })

  it('tells to rename a legacy AGENT.md', () => {
    const problems = problemsOf({ agentsMd: undefined, hasLegacyAgentMd: true })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'AGENTS.md' })
    expect(problems[0]?.field).toBeUndefined()
    expect(problems[0]?.message).toMatch(/AGENT\.md/)
    expect(problems[0]?.message).toMatch(/rename it to AGENTS\.md/)
  })

  it('ignores a legacy AGENT.md next to an AGENTS.md', () => {
    expect(problemsOf({ hasLegacyAgentMd: true })).toEqual([])
  })

  it('reports an empty or blank AGENTS.md', () => {
    expect(problemsOf({ agentsMd: '' })).toEqual([{ file: 'AGENTS.md', message: 'is empty' }])
    expect(problemsOf({ agentsMd: ' \n\t\n' })).toEqual([{ file: 'AGENTS.md', message: 'is empty' }])
  })

  it('refuses an mcp/ folder and points to spin.yaml', () => {
    const problems = problemsOf({ hasMcpFolder: true })
    expect(problems).toHaveLength(1)
    expect(problems[0]?.file).toBe('mcp/')
    expect(problems[0]?.message).toMatch(/"mcp:" in spin\.yaml/)
  })

  it('reports every problem at once', () => {
    const problems = problemsOf({
      agentsMd: undefined,
      hasMcpFolder: true,
      manifestText: 'foo: 1\n',
      skills: [{ folder: 'x', isDirectory: false, skillMd: undefined }],
    })
    expect(problems.map((p) => p.file)).toEqual(['AGENTS.md', 'mcp/', 'spin.yaml', 'spin.yaml', 'skills/x'])
  })
})

describe('validateSpinFiles: spin.yaml', () => {
  it('refuses an unknown top-level field', () => {
    const problems = manifestProblems('description: d\nfoo: 1\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'spin.yaml', message: 'unknown field: foo' })
    expect(problems[0]?.field ?? '').toBe('')
  })

  it('names several unknown fields at once', () => {
    expect(manifestProblems('description: d\nfoo: 1\nbar: 2\n')).toEqual([
      { file: 'spin.yaml', message: 'unknown fields: foo, bar' },
    ])
  })

  it('refuses an unknown field under agent, naming agent', () => {
    expect(manifestProblems('description: d\nagent:\n  model: gpt\n')).toEqual([
      { file: 'spin.yaml', field: 'agent', message: 'unknown field: model' },
    ])
  })

  it('refuses an unknown permission', () => {
    expect(manifestProblems('description: d\nagent:\n  permission:\n    sudo: allow\n')).toEqual([
      { file: 'spin.yaml', field: 'agent.permission', message: 'unknown field: sudo' },
    ])
  })

  it('refuses a permission value other than allow, ask or deny', () => {
    const problems = manifestProblems('description: d\nagent:\n  permission:\n    edit: yes-please\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'spin.yaml', field: 'agent.permission.edit' })
  })

  it('requires a description', () => {
    const problems = manifestProblems('packages: [jq]\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'spin.yaml', field: 'description' })
  })

  it('requires a description that is not blank', () => {
    const problems = manifestProblems('description: "   "\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'spin.yaml', field: 'description' })
  })

  it('treats an empty spin.yaml as one without a description', () => {
    const problems = manifestProblems('')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'spin.yaml', field: 'description' })
  })

  it('refuses a spin.yaml that is not a mapping', () => {
    const problems = manifestProblems('- a\n- b\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]?.file).toBe('spin.yaml')
    expect(problems[0]?.field).toBeUndefined()
  })

  it('falls back to the default manifest when spin.yaml is invalid', () => {
    const result = validateSpinFiles(spinFiles({ name: 'x', manifestText: 'foo: 1\n' }))
    expect(result.manifest).toEqual({ description: 'The x spin.' })
  })

  const DUPLICATE_MCP = [
    'description: d', // line 1
    'mcp:',
    '  ctx:',
    '    type: local',
    '    command: [a]',
    '  ctx:', // line 6
    '    type: local',
    '    command: [b]',
    '',
  ].join('\n')

  it('reports a duplicate MCP server name as a key given twice', () => {
    const problems = manifestProblems(DUPLICATE_MCP)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({
      file: 'spin.yaml',
      message: 'a key is given twice (e.g. two MCP servers with one name)',
    })
  })

  // The yaml package only fills error.linePos with prettyErrors on (it was off at first).
  it('gives the line of the duplicate key', () => {
    expect(manifestProblems(DUPLICATE_MCP)).toEqual([
      {
        file: 'spin.yaml',
        field: 'line 6',
        message: 'a key is given twice (e.g. two MCP servers with one name)',
      },
    ])
  })

  it('reports invalid YAML with the parser message', () => {
    const problems = manifestProblems('description: [unclosed\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]?.file).toBe('spin.yaml')
    expect(problems[0]?.message).toMatch(/\S/)
    expect(problems[0]?.message).not.toContain('\n')
  })

  it('gives the line of a YAML syntax error', () => {
    const problems = manifestProblems('description: d\nagent:\n  description: [unclosed\n')
    expect(problems[0]?.field).toMatch(/^line \d+$/)
  })

  it('refuses a package name a shell could misread', () => {
    for (const pkg of ['jq; rm -rf /', '$(reboot)', 'jq && curl x', '-jq', 'j', 'JQ']) {
      const problems = manifestProblems(`description: d\npackages:\n  - ${JSON.stringify(pkg)}\n`)
      expect(problems, pkg).toEqual([
        {
          file: 'spin.yaml',
          field: 'packages.0',
          message: 'must be a Debian package name, optionally "name=version"',
        },
      ])
    }
  })

  it('accepts plain and pinned Debian packages', () => {
    const result = validateSpinFiles(
      spinFiles({
        manifestText:
          'description: d\npackages: [jq, "jq=1.6-2.1", libc6-dev, g++, "xz-utils=1:2.0~rc1+b1"]\n',
      }),
    )
    expect(result.problems).toEqual([])
    expect(result.manifest.packages).toEqual([
      'jq',
      'jq=1.6-2.1',
      'libc6-dev',
      'g++',
      'xz-utils=1:2.0~rc1+b1',
    ])
  })

  it('points at the bad package by index', () => {
    expect(manifestProblems('description: d\npackages: [jq, "a b"]\n')[0]?.field).toBe('packages.1')
  })

  it('requires a command for a local MCP server', () => {
    const missing = manifestProblems('description: d\nmcp:\n  ctx:\n    type: local\n')
    expect(missing).toHaveLength(1)
    expect(missing[0]).toMatchObject({ file: 'spin.yaml', field: 'mcp.ctx.command' })
    expect(manifestProblems('description: d\nmcp:\n  ctx:\n    type: local\n    command: []\n')).toEqual([
      { file: 'spin.yaml', field: 'mcp.ctx.command', message: 'needs the program to run and its arguments' },
    ])
  })

  it('requires an http(s) url for a remote MCP server', () => {
    for (const url of ['ftp://mcp.example.com', 'file:///etc/passwd', 'not a url']) {
      const problems = manifestProblems(
        `description: d\nmcp:\n  docs:\n    type: remote\n    url: "${url}"\n`,
      )
      expect(problems, url).toHaveLength(1)
      expect(problems[0], url).toMatchObject({ file: 'spin.yaml', field: 'mcp.docs.url' })
    }
    expect(
      manifestProblems(
        'description: d\nmcp:\n  docs:\n    type: remote\n    url: http://localhost:3000/mcp\n',
      ),
    ).toEqual([])
  })

  const BAD_MCP_NAME = 'description: d\nmcp:\n  "a b":\n    type: local\n    command: [a]\n'

  it('refuses an MCP server of unknown type and a bad server name', () => {
    expect(manifestProblems('description: d\nmcp:\n  x:\n    type: stdio\n    command: [a]\n')).toHaveLength(
      1,
    )
    const badName = manifestProblems(BAD_MCP_NAME)
    expect(badName).toHaveLength(1)
    expect(badName[0]).toMatchObject({ file: 'spin.yaml', field: 'mcp.a b' })
  })

  it('explains which characters an MCP server name may use', () => {
    expect(manifestProblems(BAD_MCP_NAME)).toEqual([
      { file: 'spin.yaml', field: 'mcp.a b', message: 'MCP server names use letters, digits, "_" and "-"' },
    ])
  })

  it('refuses an agent name that is not a spin name', () => {
    expect(manifestProblems('description: d\nagent:\n  name: Bad Name\n')).toEqual([
      { file: 'spin.yaml', field: 'agent.name', message: 'must match ^[a-z0-9][a-z0-9_-]*$' },
    ])
  })
})

describe('validateSpinFiles: skills', () => {
  const skillProblems = (skills: SkillEntry[]) => problemsOf({ skills })

  it('refuses a skills that is a file', () => {
    expect(problemsOf({ skills: undefined, skillsIsDirectory: false })).toEqual([
      { file: 'skills', message: 'is not a directory' },
    ])
  })

  it('refuses a file directly in skills/', () => {
    expect(skillProblems([{ folder: 'README.md', isDirectory: false, skillMd: undefined }])).toEqual([
      { file: 'skills/README.md', message: 'skills/ may only hold one folder per skill' },
    ])
  })

  it('refuses a folder name with an underscore', () => {
    const problems = skillProblems([skill('security_review', 'security_review')])
    expect(problems).toContainEqual({
      file: 'skills/security_review',
      message: 'folder name must match ^[a-z0-9]+(-[a-z0-9]+)*$ (at most 64 chars)',
    })
    expect(validateSpinFiles(spinFiles({ skills: [skill('security_review')] })).skills).toEqual([])
  })

  it('refuses a folder name longer than 64 characters', () => {
    const long = 'a'.repeat(65)
    expect(skillProblems([skill(long)]).map((p) => p.file)).toContain(`skills/${long}`)
    expect(skillProblems([skill('a'.repeat(64))])).toEqual([])
  })

  it('requires a SKILL.md', () => {
    expect(skillProblems([{ folder: 'foo', isDirectory: true, skillMd: undefined }])).toEqual([
      { file: 'skills/foo/SKILL.md', message: 'missing' },
    ])
  })

  it('requires front matter', () => {
    expect(skillProblems([{ folder: 'foo', isDirectory: true, skillMd: '# foo\n\nname: foo\n' }])).toEqual([
      { file: 'skills/foo/SKILL.md', message: 'must start with YAML front matter between "---" lines' },
    ])
  })

  it('reports front matter that is not valid YAML', () => {
    const problems = skillProblems([{ folder: 'foo', isDirectory: true, skillMd: '---\nname: [foo\n---\n' }])
    expect(problems).toHaveLength(1)
    expect(problems[0]?.file).toBe('skills/foo/SKILL.md')
    expect(problems[0]?.message).toMatch(/^front matter is not valid YAML: \S/)
  })

  it('requires the front matter name to equal the folder', () => {
    expect(skillProblems([skill('foo', 'bar')])).toEqual([
      {
        file: 'skills/foo/SKILL.md',
        field: 'name',
        message: `is "bar" but must equal its folder's name "foo"`,
      },
    ])
  })

  it('requires a name', () => {
    const problems = skillProblems([
      { folder: 'foo', isDirectory: true, skillMd: '---\ndescription: d\n---\n' },
    ])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'skills/foo/SKILL.md', field: 'name' })
  })

  it('requires a description', () => {
    const problems = skillProblems([{ folder: 'foo', isDirectory: true, skillMd: '---\nname: foo\n---\n' }])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: 'skills/foo/SKILL.md', field: 'description' })
    const blank = skillProblems([skill('foo', 'foo', '"  "')])
    expect(blank).toEqual([
      { file: 'skills/foo/SKILL.md', field: 'description', message: 'must not be empty' },
    ])
  })

  it('refuses a name with upper case', () => {
    const problems = skillProblems([skill('Review', 'Review')])
    expect(problems).toContainEqual({
      file: 'skills/Review/SKILL.md',
      field: 'name',
      message: 'must match ^[a-z0-9]+(-[a-z0-9]+)*$ (lower-case words joined by single "-")',
    })
  })

  it('keeps the valid skills next to invalid ones', () => {
    const result = validateSpinFiles(spinFiles({ skills: [skill('good'), skill('bad', 'other')] }))
    expect(result.problems).toHaveLength(1)
    expect(result.skills).toEqual([{ name: 'good', description: 'What good does.' }])
  })

  it('allows extra front matter fields', () => {
    const md = '---\nname: foo\ndescription: Does foo.\nlicense: MIT\nallowed-tools: [bash]\n---\n'
    expect(
      validateSpinFiles(spinFiles({ skills: [{ folder: 'foo', isDirectory: true, skillMd: md }] })),
    ).toEqual(expect.objectContaining({ problems: [], skills: [{ name: 'foo', description: 'Does foo.' }] }))
  })
})

describe('frontMatter', () => {
  it('returns the YAML between the leading --- lines', () => {
    expect(frontMatter('---\nname: foo\ndescription: d\n---\n# Body\n')).toBe('name: foo\ndescription: d')
  })

  it('accepts CRLF, a BOM and a closing line at the end of the file', () => {
    expect(frontMatter('---\r\nname: foo\r\n---\r\nbody')).toBe('name: foo')
    expect(frontMatter('\uFEFF---\nname: foo\n---\n')).toBe('name: foo')
    expect(frontMatter('---\nname: foo\n---')).toBe('name: foo')
    expect(frontMatter('---\nname: foo\n---  \nbody')).toBe('name: foo')
  })

  it('stops at the first closing line', () => {
    expect(frontMatter('---\na: 1\n---\nbody\n---\nmore\n')).toBe('a: 1')
  })

  it('is undefined without front matter', () => {
    expect(frontMatter('# Title\n---\na: 1\n---\n')).toBeUndefined()
    expect(frontMatter(' ---\na: 1\n---\n')).toBeUndefined()
    expect(frontMatter('---\na: 1\n')).toBeUndefined()
    expect(frontMatter('---\na: 1\n----\n')).toBeUndefined()
    expect(frontMatter('')).toBeUndefined()
  })
})

describe('manifest schemas', () => {
  it('SpinManifestSchema needs only a description', () => {
    expect(SpinManifestSchema.parse({ description: '  d  ' })).toEqual({ description: 'd' })
    expect(SpinManifestSchema.safeParse({ description: 'x'.repeat(201) }).success).toBe(false)
    expect(SpinManifestSchema.safeParse({ description: 'x'.repeat(200) }).success).toBe(true)
  })

  it('McpServerSchema accepts local and remote servers and refuses extra fields', () => {
    expect(
      McpServerSchema.safeParse({ type: 'local', command: ['x'], environment: { A: 'b' } }).success,
    ).toBe(true)
    expect(
      McpServerSchema.safeParse({ type: 'remote', url: 'https://x.example/mcp', enabled: false }).success,
    ).toBe(true)
    expect(McpServerSchema.safeParse({ type: 'local', command: ['x'], url: 'https://x' }).success).toBe(false)
    expect(McpServerSchema.safeParse({ type: 'local', command: [''] }).success).toBe(false)
    expect(McpServerSchema.safeParse({ type: 'remote', url: 'https://x', timeout: 0 }).success).toBe(false)
  })

  it('SkillFrontMatterSchema limits name and description length', () => {
    expect(SkillFrontMatterSchema.safeParse({ name: 'a'.repeat(65), description: 'd' }).success).toBe(false)
    expect(SkillFrontMatterSchema.safeParse({ name: 'a--b', description: 'd' }).success).toBe(false)
    expect(SkillFrontMatterSchema.safeParse({ name: 'a-b', description: 'd'.repeat(1025) }).success).toBe(
      false,
    )
    expect(SkillFrontMatterSchema.safeParse({ name: 'a-b', description: 'd'.repeat(1024) }).success).toBe(
      true,
    )
  })
})
