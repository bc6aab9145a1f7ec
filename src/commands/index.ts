// Every command, for oclif's explicit command strategy: the bundle holds them all, so oclif finds
// them here instead of globbing a folder of files (package.json oclif.commands).
import { Args, Flags } from '@oclif/core'
import { HOT_COMMANDS, VERSION_FLAGS, type HotCommand } from '../cli/hot-argv.js'
import { hotSpecOf, type CommandDefinition, type CommandSpec } from '../cli/hot-spec.js'
import Apply from './apply.js'
import Bake from './bake.js'
import Build from './build.js'
import ConfigGet from './config/get.js'
import ConfigList from './config/list.js'
import ConfigSet from './config/set.js'
import Connect from './connect.js'
import Diff from './diff.js'
import ContainersList from './containers/list.js'
import ContainersLogs from './containers/logs.js'
import ContainersOutdated from './containers/outdated.js'
import ContainersPort from './containers/port.js'
import ContainersRm from './containers/rm.js'
import ContainersShell from './containers/shell.js'
import ContainersStart from './containers/start.js'
import ContainersStopAll from './containers/stop-all.js'
import ContainersStop from './containers/stop.js'
import Doctor from './doctor.js'
import EgressAllow from './egress/allow.js'
import EgressDeny from './egress/deny.js'
import EgressLog from './egress/log.js'
import EgressRules from './egress/rules.js'
import Run from './run.js'
import SpinsList from './spins/list.js'
import SpinsValidate from './spins/validate.js'
import Sync from './sync.js'
import Upgrade from './upgrade.js'
import Web from './web.js'

export const COMMANDS = {
  apply: Apply,
  bake: Bake,
  build: Build,
  'config:get': ConfigGet,
  'config:list': ConfigList,
  'config:set': ConfigSet,
  connect: Connect,
  diff: Diff,
  'containers:list': ContainersList,
  'containers:logs': ContainersLogs,
  'containers:outdated': ContainersOutdated,
  'containers:port': ContainersPort,
  'containers:rm': ContainersRm,
  'containers:shell': ContainersShell,
  'containers:start': ContainersStart,
  'containers:stop-all': ContainersStopAll,
  'containers:stop': ContainersStop,
  doctor: Doctor,
  'egress:allow': EgressAllow,
  'egress:deny': EgressDeny,
  'egress:log': EgressLog,
  'egress:rules': EgressRules,
  run: Run,
  'spins:list': SpinsList,
  'spins:validate': SpinsValidate,
  sync: Sync,
  upgrade: Upgrade,
  web: Web,
}

/**
 * dist/hot-spec.json (tools/bundle.mjs writes it; src/cli/hot-spec.ts): the version flags and each
 * hot command's words and spec, from the commands' own definitions, the one table bin/run.cjs routes
 * by and the hot path parses by. A command the hot parser cannot take on is left out (oclif runs
 * it). oclif's pass-through parse functions are told apart from a command's own by their source.
 */
export function hotSpecs(): {
  versionFlags: string[]
  commands: Partial<Record<HotCommand, CommandSpec>>
} {
  const identity = [
    String(Flags.string({}).parse),
    String(Flags.boolean({}).parse),
    String(Args.string({}).parse),
  ]
  const commands: Partial<Record<HotCommand, CommandSpec>> = {}
  for (const id of HOT_COMMANDS) {
    const spec = hotSpecOf(id, COMMANDS[id] as CommandDefinition, identity)
    if (spec) commands[id] = spec
  }
  return { versionFlags: VERSION_FLAGS, commands }
}
