// `ftpgate serve`: run the server from a YAML file and/or flags; with no arguments, the embedded demo default.
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { CONFIG_KEYS, applyRaw, loadConfigFile, type ServerConfig } from '../server/config.js';
import { formatAddresses, startupErrorMessage, stopOnSignals } from './service.js';

function randomPassword(n = 16): string {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < n; i++) s += abc[randomInt(abc.length)];
  return s;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the FTP server (no arguments: serve ./ftp-root on 127.0.0.1:2121 with a demo user)')
    .option('--config <file>', 'YAML configuration file (every key is also a flag)');
  for (const k of CONFIG_KEYS) {
    if ('repeat' in k && k.repeat) cmd.option(k.flag, k.help, collect);
    else cmd.option(k.flag, k.help);
  }
  cmd.action(async (opts: Record<string, unknown>, command: Command) => {
    try {
      await serve(opts, command);
    } catch (err) {
      process.stderr.write(`ftpgate serve: ${startupErrorMessage(err)}\n`);
      process.exit(2);
    }
  });
}

async function serve(opts: Record<string, unknown>, command: Command): Promise<void> {
  const partial: Partial<ServerConfig> = {};
  if (typeof opts.config === 'string') applyRaw(partial, await loadConfigFile(opts.config), 'yaml');
  // flags override the file; only flags the user actually gave
  const given: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) {
    // commander names the attribute after the flag (--user → user), which is not always the config key
    const long = k.flag.split(' ')[0];
    const attr = command.options.find((o) => o.long === long)?.attributeName() ?? k.key;
    const src = command.getOptionValueSource(attr);
    if (src === 'cli' || src === 'env') given[k.key] = opts[attr];
  }
  applyRaw(partial, given, 'key');
  let demoPassword: string | null = null;
  if (!partial.users?.length && !partial.usersFile && !partial.anonymous) {
    demoPassword = randomPassword();
    partial.users = [{ name: 'demo', password: demoPassword }];
  }
  // loaded here, not at start-up: other subcommands do not pay for the server
  const { FtpServer } = await import('../server/server.js');
  const { jsonLineSink } = await import('../server/log.js');
  const root = resolve(partial.root ?? './ftp-root');
  await mkdir(root, { recursive: true });
  const log = jsonLineSink(partial.logFile);
  const server = new FtpServer({ ...partial, root, logger: log });
  for (const w of server.warnings) process.stderr.write(`warning: ${w}\n`);
  const addrs = await server.listen();
  const first = addrs[0];
  const hostForUrl = first.host.includes(':') ? `[${first.host}]` : first.host === '0.0.0.0' ? '127.0.0.1' : first.host;
  process.stderr.write(`ftpgate serving ${root} on ${formatAddresses(addrs)} (passive ports ${server.config.pasvPorts.min}-${server.config.pasvPorts.max})\n`);
  if (demoPassword) {
    process.stderr.write(`user: demo  password: ${demoPassword}\n`);
    process.stderr.write(`try:  curl ftp://demo:${demoPassword}@${hostForUrl}:${first.port}/\n`);
  }
  stopOnSignals(server, log);
}
