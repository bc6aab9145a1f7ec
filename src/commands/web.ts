import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { openWeb } from '../flows/web.js'
import { openInBrowser } from '../host/browser.js'

export default class Web extends BaseCommand {
  static override summary = 'Open a running agent in OpenCode’s web UI, on its workspace.'
  static override description =
    'Starts a relay on 127.0.0.1 that holds the server password (never in a URL or a command line) and ' +
    'opens a single-use link in your browser: it admits that browser with a cookie and is dead after. ' +
    'Requests without the admission are refused. The relay serves until interrupted (Ctrl+C). With ' +
    '--no-open the link is printed instead (--json: {"url": ...}).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> . --no-open',
  ]
  static override enableJsonFlag = true
  static override args = {
    target: Args.string({
      description: 'The container name, or the project folder it was made for.',
      default: '.',
    }),
  }
  static override flags = {
    'no-open': Flags.boolean({ description: 'Print the link instead of opening a browser.' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Web)
    const { name, relay } = await openWeb({ target: args.target }, this.deps)
    const opened = !flags['no-open'] && (await openInBrowser(relay.admissionUrl))
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ url: relay.admissionUrl })}\n`)
    else if (opened)
      this.log(`Opened ${name} in your browser (through ${relay.origin}). Ctrl+C stops the relay.`)
    else
      this.log(`Open this link once (it admits one browser): ${relay.admissionUrl}\nCtrl+C stops the relay.`)
    await new Promise<void>((resolve) => {
      const stop = () => void relay.close().then(resolve)
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  }
}
