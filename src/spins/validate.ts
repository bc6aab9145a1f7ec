import { parseDocument } from 'yaml'
import type { z } from 'zod/v3'
import {
  SKILL_NAME_PATTERN,
  SkillFrontMatterSchema,
  SpinManifestSchema,
  type SpinManifest,
} from './manifest.js'
import type { SpinProblem } from './problems.js'

/** A spin's files as read from disk; paths are relative to the spin directory. */
export interface SpinFiles {
  name: string
  agentsMd: string | undefined
  hasLegacyAgentMd: boolean
  manifestText: string | undefined
  hasMcpFolder: boolean
  /** Entries of skills/: undefined when there is no skills/ at all. */
  skills: { folder: string; isDirectory: boolean; skillMd: string | undefined }[] | undefined
  skillsIsDirectory: boolean
}

export interface ValidSkill {
  name: string
  description: string
}

export interface ValidatedSpin {
  manifest: SpinManifest
  skills: ValidSkill[]
  problems: SpinProblem[]
}

const MANIFEST = 'spin.yaml'

/** Checks a spin's files against every rule; pure, so each rule has a fast unit test. */
export function validateSpinFiles(files: SpinFiles): ValidatedSpin {
  const problems: SpinProblem[] = []

  if (files.agentsMd === undefined) {
    problems.push({
      file: 'AGENTS.md',
      message: files.hasLegacyAgentMd
        ? 'missing (found the legacy AGENT.md: rename it to AGENTS.md)'
        : "missing: every spin needs the role's instructions in AGENTS.md",
    })
  } else if (files.agentsMd.trim() === '') {
    problems.push({ file: 'AGENTS.md', message: 'is empty' })
  }

  if (files.hasMcpFolder) {
    problems.push({
      file: 'mcp/',
      message: 'OpenCode never reads an mcp/ folder: declare MCP servers under "mcp:" in spin.yaml',
    })
  }

  const manifest = parseManifest(files, problems)
  const skills = validateSkills(files, problems)
  return { manifest, skills, problems }
}

function parseManifest(files: SpinFiles, problems: SpinProblem[]): SpinManifest {
  const fallback: SpinManifest = { description: `The ${files.name} spin.` }
  if (files.manifestText === undefined) return fallback
  const doc = parseDocument(files.manifestText, { uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0]?.line
      const duplicate = error.code === 'DUPLICATE_KEY'
      problems.push({
        file: MANIFEST,
        field: line ? `line ${line}` : undefined,
        message: duplicate
          ? 'a key is given twice (e.g. two MCP servers with one name)'
          : (error.message.split('\n')[0] ?? error.message),
      })
    }
    return fallback
  }
  const parsed = SpinManifestSchema.safeParse(doc.toJS() ?? {})
  if (!parsed.success) {
    problems.push(...zodProblems(MANIFEST, parsed.error))
    return fallback
  }
  return parsed.data
}

function validateSkills(files: SpinFiles, problems: SpinProblem[]): ValidSkill[] {
  if (files.skills === undefined) {
    if (!files.skillsIsDirectory) problems.push({ file: 'skills', message: 'is not a directory' })
    return []
  }
  const skills: ValidSkill[] = []
  for (const entry of files.skills) {
    const where = `skills/${entry.folder}`
    if (!entry.isDirectory) {
      problems.push({ file: where, message: 'skills/ may only hold one folder per skill' })
      continue
    }
    if (!SKILL_NAME_PATTERN.test(entry.folder) || entry.folder.length > 64) {
      problems.push({
        file: where,
        message: 'folder name must match ^[a-z0-9]+(-[a-z0-9]+)*$ (at most 64 chars)',
      })
    }
    if (entry.skillMd === undefined) {
      problems.push({ file: `${where}/SKILL.md`, message: 'missing' })
      continue
    }
    const front = frontMatter(entry.skillMd)
    if (front === undefined) {
      problems.push({
        file: `${where}/SKILL.md`,
        message: 'must start with YAML front matter between "---" lines',
      })
      continue
    }
    const doc = parseDocument(front, { prettyErrors: false })
    const parsed = doc.errors.length ? undefined : SkillFrontMatterSchema.safeParse(doc.toJS() ?? {})
    if (parsed === undefined) {
      problems.push({
        file: `${where}/SKILL.md`,
        message: `front matter is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`,
      })
    } else if (!parsed.success) {
      problems.push(...zodProblems(`${where}/SKILL.md`, parsed.error))
    } else if (parsed.data.name !== entry.folder) {
      problems.push({
        file: `${where}/SKILL.md`,
        field: 'name',
        message: `is "${parsed.data.name}" but must equal its folder's name "${entry.folder}"`,
      })
    } else {
      skills.push({ name: parsed.data.name, description: parsed.data.description })
    }
  }
  return skills
}

/** The YAML between a leading "---" line and the next "---" line, or undefined. */
export function frontMatter(markdown: string): string | undefined {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(markdown)
  return match?.[1]
}

function zodProblems(file: string, error: z.ZodError): SpinProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.')
    let message = issue.message
    if (issue.code === 'unrecognized_keys')
      message = `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`
    return { file, field: field || undefined, message }
  })
}
