import { describe, expect, it } from 'vitest'
import type { SpinManifest } from '../../src/spins/manifest.js'
import { agentName, OpencodeConfigSchema, renderOpencodeConfig } from '../../src/spins/render.js'

describe('renderOpencodeConfig', () => {
  it('renders a minimal spin: its own agent, the default, no updates, no sharing', () => {
    const config = renderOpencodeConfig('qa', { description: 'Reviews changes.' })
    expect(config).toEqual({
      $schema: 'https://opencode.ai/config.json',
      default_agent: 'qa',
      autoupdate: false,
      share: 'disabled',
      agent: { qa: { description: 'Reviews changes.', mode: 'primary' } },
    })
    expect(OpencodeConfigSchema.safeParse(config).success).toBe(true)
  })

  it('names the agent after manifest.agent.name when given', () => {
    const manifest: SpinManifest = { description: 'd', agent: { name: 'reviewer' } }
    expect(agentName('qa', manifest)).toBe('reviewer')
    const config = renderOpencodeConfig('qa', manifest)
    expect(config.default_agent).toBe('reviewer')
    expect(Object.keys(config.agent)).toEqual(['reviewer'])
  })

  it('uses the spin name when the agent has no name', () => {
    expect(agentName('security', { description: 'd', agent: { description: 'x' } })).toBe('security')
  })

  it("prefers the agent's description and falls back to the spin's", () => {
    expect(
      renderOpencodeConfig('dev', { description: 'Spin.', agent: { description: 'Agent.' } }).agent.dev,
    ).toEqual({ description: 'Agent.', mode: 'primary' })
    expect(renderOpencodeConfig('dev', { description: 'Spin.', agent: {} }).agent.dev?.description).toBe(
      'Spin.',
    )
  })

  it('passes permissions through unchanged', () => {
    const permission = { edit: 'ask', bash: 'allow', webfetch: 'deny' } as const
    const config = renderOpencodeConfig('dev', { description: 'd', agent: { permission } })
    expect(config.agent.dev).toEqual({ description: 'd', mode: 'primary', permission })
  })

  it('keeps the order of bash patterns (OpenCode applies the last match)', () => {
    const bash = { '*': 'ask', 'git *': 'allow', 'git push*': 'deny' } as const
    const config = renderOpencodeConfig('security', { description: 'd', agent: { permission: { bash } } })
    const rendered = config.agent.security?.permission?.bash
    expect(rendered).toEqual(bash)
    expect(Object.keys(rendered as Record<string, string>)).toEqual(['*', 'git *', 'git push*'])
    expect(JSON.stringify(config)).toContain('"bash":{"*":"ask","git *":"allow","git push*":"deny"}')
  })

  it('copies MCP servers to "mcp" exactly', () => {
    const mcp: SpinManifest['mcp'] = {
      context7: {
        type: 'local',
        command: ['npx', '-y', '@upstash/context7-mcp'],
        environment: { A: 'b' },
        enabled: true,
      },
      docs: {
        type: 'remote',
        url: 'https://mcp.example.com/mcp',
        headers: { Authorization: 'Bearer {env:DOCS_MCP_TOKEN}' },
        enabled: false,
        timeout: 5000,
      },
    }
    const config = renderOpencodeConfig('dev', { description: 'd', mcp })
    expect(config.mcp).toEqual(mcp)
    expect(OpencodeConfigSchema.safeParse(config).success).toBe(true)
  })

  it('leaves "mcp" out when there are no servers', () => {
    expect(renderOpencodeConfig('dev', { description: 'd' })).not.toHaveProperty('mcp')
    expect(renderOpencodeConfig('dev', { description: 'd', mcp: {} })).not.toHaveProperty('mcp')
    expect(JSON.stringify(renderOpencodeConfig('dev', { description: 'd', mcp: {} }))).not.toContain('"mcp"')
  })

  it('produces a config that passes OpencodeConfigSchema for a full manifest', () => {
    const config = renderOpencodeConfig('security', {
      description: 'Security reviewer.',
      agent: {
        name: 'sec',
        description: 'Reviews security.',
        permission: { edit: 'ask', bash: { '*': 'ask', 'rg *': 'allow' }, webfetch: 'deny' },
      },
      packages: ['jq'],
      mcp: { ctx: { type: 'local', command: ['ctx'] } },
    })
    expect(OpencodeConfigSchema.parse(config)).toEqual(config)
    expect(config).not.toHaveProperty('packages')
    expect(Object.keys(config)).toEqual(['$schema', 'default_agent', 'autoupdate', 'share', 'agent', 'mcp'])
  })
})

describe('OpencodeConfigSchema', () => {
  const valid = {
    $schema: 'https://opencode.ai/config.json',
    default_agent: 'dev',
    autoupdate: false,
    share: 'disabled',
    agent: { dev: { description: 'd', mode: 'primary' } },
  }

  it('refuses self-updating, shared or unknown settings', () => {
    expect(OpencodeConfigSchema.safeParse(valid).success).toBe(true)
    expect(OpencodeConfigSchema.safeParse({ ...valid, autoupdate: true }).success).toBe(false)
    expect(OpencodeConfigSchema.safeParse({ ...valid, share: 'auto' }).success).toBe(false)
    expect(OpencodeConfigSchema.safeParse({ ...valid, model: 'x' }).success).toBe(false)
    expect(
      OpencodeConfigSchema.safeParse({ ...valid, agent: { dev: { description: 'd', mode: 'subagent' } } })
        .success,
    ).toBe(false)
  })
})
