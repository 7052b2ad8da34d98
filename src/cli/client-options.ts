// Options shared by the client commands, and turning a URL plus flags into ClientOptions (credentials: URL, ~/.netrc, prompt).
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { parseFtpUrl, type ParsedFtpUrl } from '../client/url.js';
import { lookupNetrc } from '../client/netrc.js';
import type { ClientOptions, DataMode } from '../client/client.js';

export interface CommonFlags {
  mode?: string;
  activeAddress?: string;
  activePorts?: string;
  tls?: boolean;
  tlsCa?: string;
  insecure?: boolean;
  trustPasvAddress?: boolean;
  user?: string;
  netrc?: string;
  timeout?: string;
  dataTimeout?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export function addCommonOptions(cmd: Command): Command {
  // Argument errors (missing URL, unknown option) exit with the documented usage code 2, not commander's 1.
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  return cmd
    .option('--mode <mode>', 'data connection mode: auto (passive, falling back to active), passive or active', 'auto')
    .option('--active-address <addr>', 'address to advertise in EPRT/PORT (default: our address on the control connection)')
    .option('--active-ports <min-max>', 'local port range to listen on in active mode, e.g. 54000-54999')
    .option('--tls', 'explicit FTPS: AUTH TLS on the control port, PROT P for data (ftps:// URLs use implicit TLS)')
    .option('--tls-ca <file>', 'trust this CA certificate (PEM) when verifying the server')
    .option('--insecure', 'do not verify the server certificate (unsafe)')
    .option('--trust-pasv-address', 'connect to the address a PASV reply names even if it differs from the server address')
    .option('--user <name>', 'user name (default: from the URL, ~/.netrc, else anonymous)')
    .option('--netrc <file>', 'netrc file to read credentials from', join(homedir(), '.netrc'))
    .option('--timeout <sec>', 'control connection reply timeout', '30')
    .option('--data-timeout <sec>', 'how long a data connection may take to come up', '10')
    .option('-v, --verbose', 'print the FTP conversation (password masked) on stderr')
    .option('-q, --quiet', 'no progress, no mode line');
}

export function usage(msg: string): FtpgateError {
  return new FtpgateError(ErrorCodes.CLIENT_USAGE, msg);
}

function parseRange(text: string): { min: number; max: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || min < 1024 || max > 65535 || min > max) throw usage(`--active-ports must be MIN-MAX within 1024-65535, not ${JSON.stringify(text)}`);
  return { min, max };
}

async function promptPassword(question: string): Promise<string> {
  let muted = false;
  const out = new Writable({ write(chunk, _e, cb) { if (!muted) process.stderr.write(chunk); cb(); } });
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => { rl.close(); process.stderr.write('\n'); resolve(answer); });
    muted = true;
  });
}

/** Resolve credentials: URL, then --user, then ~/.netrc, then FTPGATE_PASSWORD or a prompt on a terminal; anonymous if no user at all. */
export async function resolveCredentials(u: ParsedFtpUrl, flags: CommonFlags): Promise<{ user?: string; password?: string }> {
  let user = u.user ?? flags.user;
  let password = u.password;
  if (password !== undefined) return { user, password };
  const netrcText = flags.netrc ? await readFile(flags.netrc, 'utf8').catch(() => '') : '';
  const entry = netrcText ? lookupNetrc(netrcText, u.host, user) : undefined;
  if (entry) {
    user ??= entry.login;
    if (!user || entry.login === undefined || entry.login === user) password = entry.password;
  }
  if (!user || user === 'anonymous' || user === 'ftp') return { user, password };
  if (password === undefined && process.env.FTPGATE_PASSWORD !== undefined) password = process.env.FTPGATE_PASSWORD;
  if (password === undefined) {
    if (!process.stdin.isTTY) throw usage(`no password for ${user}@${u.host}: put it in the URL, in ~/.netrc, or in FTPGATE_PASSWORD (no terminal to prompt on)`);
    password = await promptPassword(`Password for ${user}@${u.host}: `);
  }
  return { user, password };
}

export async function clientOptionsFrom(url: string, flags: CommonFlags): Promise<{ url: ParsedFtpUrl; options: ClientOptions }> {
  const u = parseFtpUrl(url);
  const mode = (flags.mode ?? 'auto') as DataMode;
  if (!['auto', 'passive', 'active'].includes(mode)) throw usage(`--mode must be auto, passive or active, not ${JSON.stringify(flags.mode)}`);
  const creds = await resolveCredentials(u, flags);
  const secure = u.secure || (flags.tls ? 'explicit' : false);
  const ca = flags.tlsCa ? await readFile(flags.tlsCa).catch((e: Error) => { throw usage(`cannot read --tls-ca ${flags.tlsCa}: ${e.message}`); }) : undefined;
  const seconds = (v: string | undefined, name: string, def: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw usage(`${name} must be a positive number of seconds`);
    return Math.round(n * 1000);
  };
  const options: ClientOptions = {
    host: u.host,
    port: u.port,
    user: creds.user,
    password: creds.password,
    secure,
    tls: { ca, rejectUnauthorized: !flags.insecure },
    mode,
    activeAddress: flags.activeAddress,
    activePorts: flags.activePorts ? parseRange(flags.activePorts) : undefined,
    trustPasvAddress: flags.trustPasvAddress ?? false,
    timeoutMs: seconds(flags.timeout, '--timeout', 30000),
    dataTimeoutMs: seconds(flags.dataTimeout, '--data-timeout', 10000),
    log: flags.verbose ? (line) => process.stderr.write(line + '\n') : undefined,
  };
  return { url: u, options };
}
