/**
 * github.scope: how far the GitHub token the gateway injects reaches. `project` lets it write (git
 * push, and the REST API's writes) only to the project's own repository, `any` keeps the token's
 * full reach, `none` injects nothing. Reads stay open either way.
 */
export const GITHUB_SCOPES = ['project', 'any', 'none'] as const
export type GithubScope = (typeof GITHUB_SCOPES)[number]

/** A repository on github.com. */
export interface GithubRepo {
  owner: string
  repo: string
}

/** The error page the gateway answers a refused write with (docker/egress/ERR_CAIGED_GITHUB_SCOPE). */
export const GITHUB_SCOPE_PAGE = 'ERR_CAIGED_GITHUB_SCOPE'

// GitHub's own limits: an owner is letters, digits and single hyphens; a repository adds . and _.
const OWNER = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})'
const REPO = '[A-Za-z0-9._-]{1,100}'
const ORIGIN = new RegExp(
  `^(?:https://(?:[^@/]+@)?github\\.com/|(?:ssh://)?git@github\\.com[:/])(${OWNER})/(${REPO}?)(?:\\.git)?/?$`,
  'i',
)

/**
 * The repository an origin URL names on github.com (https, scp-like or ssh:// form); undefined for
 * any other host or a URL it cannot read. The names it returns are safe in a squid regex.
 */
export function githubRepoOf(originUrl: string | undefined): GithubRepo | undefined {
  const match = originUrl === undefined ? null : ORIGIN.exec(originUrl.trim())
  if (!match) return undefined
  const [, owner, repo] = match as unknown as [string, string, string]
  if (repo === '' || repo === '.' || repo === '..') return undefined
  return { owner, repo }
}

/** The scope a run uses: the one configured, else `project` for a project on GitHub, else `any`. */
export function githubScopeFor(
  configured: GithubScope | undefined,
  repo: GithubRepo | undefined,
): GithubScope {
  return configured ?? (repo ? 'project' : 'any')
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The gateway's rules for `project`, evaluated before the policy's allows on the requests it
 * decrypts for GitHub's hosts: a write to the REST API outside /repos/OWNER/REPO and a git push
 * to another repository are refused with the page that names the rule. GraphQL keeps the token's
 * reach: its writes are in the request body, which squid's rules cannot read. Without a repository
 * (no origin on GitHub), no write is let through.
 */
export function githubScopeRules(repo: GithubRepo | undefined): string[] {
  const own = repo ? `${escapeRegex(repo.owner)}/${escapeRegex(repo.repo)}` : undefined
  const lines = [
    `# github.scope project: the token writes to ${repo ? `${repo.owner}/${repo.repo}` : 'no repository'} only; reads anywhere`,
    'acl caiged_gh_api dstdomain -n api.github.com',
    'acl caiged_gh_git dstdomain -n github.com',
    'acl caiged_gh_read method GET HEAD OPTIONS CONNECT',
    'acl caiged_gh_graphql urlpath_regex ^/graphql(\\?|$)',
    'acl caiged_gh_push urlpath_regex (/info/refs\\?(.*&)?service=git-receive-pack|/git-receive-pack$)',
  ]
  if (own) {
    lines.push(
      `acl caiged_gh_own_api urlpath_regex -i ^/repos/${own}(/|\\?|$)`,
      `acl caiged_gh_own_git urlpath_regex -i ^/${own}(\\.git)?/`,
    )
  }
  // The host ACL last on each line: deny_info names the page by the line's last ACL.
  lines.push(
    `http_access deny !caiged_gh_read !caiged_gh_graphql${own ? ' !caiged_gh_own_api' : ''} caiged_gh_api`,
    `http_access deny caiged_gh_push${own ? ' !caiged_gh_own_git' : ''} caiged_gh_git`,
    `deny_info ${GITHUB_SCOPE_PAGE} caiged_gh_api`,
    `deny_info ${GITHUB_SCOPE_PAGE} caiged_gh_git`,
  )
  return lines
}
