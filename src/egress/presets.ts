/**
 * What the presets allow. `balanced`: the model providers the user has signed in to, OpenCode's
 * model catalogue, the package registries the built-in spins' tools use and the main git hosts
 * (with ssh on 22). `locked`: the model providers only. Everything else is refused.
 */
export const EGRESS_MODES = ['open', 'balanced', 'locked'] as const
export type EgressMode = (typeof EGRESS_MODES)[number]

/** The API hosts of providers, by the id OpenCode gives them in auth.json (models.dev ids). */
export const PROVIDER_HOSTS: Record<string, string[]> = {
  anthropic: ['api.anthropic.com'],
  openai: ['api.openai.com', 'auth.openai.com', 'chatgpt.com'],
  google: ['generativelanguage.googleapis.com'],
  'google-vertex': ['aiplatform.googleapis.com', '*.aiplatform.googleapis.com', 'oauth2.googleapis.com'],
  'github-copilot': ['api.githubcopilot.com', '*.githubcopilot.com', 'api.github.com'],
  openrouter: ['openrouter.ai'],
  opencode: ['opencode.ai'],
  groq: ['api.groq.com'],
  mistral: ['api.mistral.ai'],
  deepseek: ['api.deepseek.com'],
  xai: ['api.x.ai'],
  togetherai: ['api.together.xyz'],
  fireworks: ['api.fireworks.ai'],
  cerebras: ['api.cerebras.ai'],
  huggingface: ['router.huggingface.co'],
  moonshotai: ['api.moonshot.ai'],
  zai: ['api.z.ai'],
  azure: ['*.openai.azure.com', '*.cognitiveservices.azure.com'],
}

/** OpenCode fetches its model catalogue when it starts (1.18 from models.opencode.ai, earlier from models.dev). */
export const OPENCODE_HOSTS = ['models.dev', 'models.opencode.ai']

export const PACKAGE_REGISTRY_HOSTS = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'crates.io',
  'index.crates.io',
  'static.crates.io',
  'proxy.golang.org',
  'sum.golang.org',
  'rubygems.org',
  'repo.maven.apache.org',
]

export const GIT_HOSTS = [
  'github.com',
  'github.com:22',
  'api.github.com',
  'codeload.github.com',
  '*.githubusercontent.com',
  'gitlab.com',
  'gitlab.com:22',
  'bitbucket.org',
  'bitbucket.org:22',
]
