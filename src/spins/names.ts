/** A spin name reaches paths, image tags and JSON: validated before it touches any of them. */
export const SPIN_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/
export const MAX_SPIN_NAME_LENGTH = 40
