import { ContainerPath } from '../../containers/request.js'

/**
 * --workspace copy: the agent works on a copy of the project in a volume of its own, which the
 * project never sees until `caiged apply`. What it was given is a commit, refs/caiged/base, in the
 * copy's git (a folder that is not a repository gets one): `diff` and `apply` compare against it.
 * These are the scripts that run in the copy (sh, as the agent user).
 */

export const WS = ContainerPath.workspace

/** Records the copy as it is now as what the agent was given (refs/caiged/base). */
export const RECORD_BASE = `set -eu
cd ${WS}
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "${WS}" ] || git init -q
idx=/tmp/caiged-base-index.$$
trap 'rm -f "$idx"' EXIT
GIT_INDEX_FILE=$idx git add -A
tree=$(GIT_INDEX_FILE=$idx git write-tree)
parent=$(git rev-parse -q --verify HEAD || true)
base=$(git -c user.name=caiged -c user.email=caiged@caiged.invalid commit-tree "$tree" \${parent:+-p "$parent"} -m "caiged: the project as the agent was given it")
git update-ref refs/caiged/base "$base"`

/** The copy's changes since it was given (its commits and its working tree, untracked files too). */
export const DIFF = `set -eu
cd ${WS}
idx=/tmp/caiged-diff-index.$$
trap 'rm -f "$idx"' EXIT
GIT_INDEX_FILE=$idx git add -A
GIT_INDEX_FILE=$idx git diff --cached --no-renames --no-color "$@" refs/caiged/base --`

/** Whether the copy has been filled (its base recorded). */
export const HAS_BASE = `git -C ${WS} rev-parse -q --verify refs/caiged/base >/dev/null`

/** The agent's commits since it was given the copy, as a git bundle in base64 on stdout. */
export const BUNDLE = `set -eu
cd ${WS}
given=$(git rev-parse -q --verify 'refs/caiged/base^' || true)
[ -n "$given" ] || { echo "the copy came from a folder that was not a repository" >&2; exit 3; }
file=/tmp/caiged-bundle.$$
trap 'rm -f "$file"' EXIT
if [ "$(git rev-parse HEAD)" = "$given" ]; then echo none; exit 0; fi
git bundle create -q "$file" HEAD "^$given"
base64 -w0 "$file"`

/** Empties the copy (to fill it again from the project). */
export const EMPTY = `find ${WS} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`
