#!/usr/bin/env node
// The whole entry point: oclif loads the command named on the command line from the manifest,
// and nothing else, so startup stays close to the cost of Node plus oclif itself.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
