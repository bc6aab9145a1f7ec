/** The OpenCode versions the e2e tests run (see opencode-versions.mjs). */
export declare const opencodeVersions: {
  /** The host client's, and what caiged bakes by default: CAIGED_E2E_OPENCODE_VERSION moves it. */
  readonly current: string
  /** An older 1.x on both linux/amd64 and linux/arm64: CAIGED_E2E_OPENCODE_OLDER_VERSION moves it. */
  readonly older: string
}
