import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode } from '../errors.js'
import { readTextIfExists } from '../host/local-files.js'

/** The machine's gateway CA: its key and certificate (PEM, for the gateways) and the certificate alone. */
export interface GatewayCa {
  pem: string
  certificate: string
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/
const PRIVATE_KEY = /-----BEGIN (?:EC |)PRIVATE KEY-----[\s\S]+?-----END (?:EC |)PRIVATE KEY-----/

/**
 * The gateway CA, made on first need by `make` (which runs the gateway image's openssl) and kept in
 * the user's config: the key file readable by the user alone (0600, in a 0700 folder), the
 * certificate beside it for agents to trust. Made once: two first runs at once end with one CA
 * (written to a private file, then linked into place, which fails for the second).
 */
export async function loadOrMakeGatewayCa(
  files: { pem: string; certificate: string },
  make: () => Promise<string>,
): Promise<GatewayCa> {
  const existing = readCa(files.pem)
  if (existing) {
    if (readTextIfExists(files.certificate) !== `${existing.certificate}\n`)
      await writeAtomically(files.certificate, `${existing.certificate}\n`, 0o644)
    return existing
  }
  const made = parseCa(await make(), 'the gateway image made')
  await fs.mkdir(path.dirname(files.pem), { recursive: true, mode: 0o700 })
  await fs.chmod(path.dirname(files.pem), 0o700)
  const tmp = `${files.pem}.${process.pid}.${randomBytes(4).toString('hex')}`
  await fs.writeFile(tmp, made.pem, { mode: 0o600, flag: 'wx' })
  try {
    await fs.link(tmp, files.pem)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await fs.rm(tmp, { force: true })
  }
  const kept = readCa(files.pem) as GatewayCa
  await writeAtomically(files.certificate, `${kept.certificate}\n`, 0o644)
  return kept
}

function readCa(file: string): GatewayCa | undefined {
  const text = readTextIfExists(file)
  return text === undefined ? undefined : parseCa(text, file)
}

function parseCa(text: string, where: string): GatewayCa {
  const key = PRIVATE_KEY.exec(text)?.[0]
  const certificate = CERTIFICATE.exec(text)?.[0]
  if (!key || !certificate) {
    throw new CaigedError(`The gateway CA in ${where} is not a key and a certificate (PEM).`, {
      exitCode: ExitCode.Config,
      hint: 'Delete the file: caiged makes a new CA (agents made with the old one must be recreated).',
    })
  }
  return { pem: `${key}\n${certificate}\n`, certificate }
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, content, { mode })
  await fs.rename(tmp, file)
}
