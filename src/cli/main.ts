#!/usr/bin/env node
// The `ftpgate` command: wires each subcommand module into one commander program.
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerPasswd } from './passwd.js';
import { registerClientCommands } from './client-commands.js';
import { registerRules } from './rules.js';
import { registerGateway } from './gateway.js';

const program = new Command();
program
  .name('ftpgate')
  .description('FTP that works through firewalls and NAT: server, client, FTP-aware gateway, firewall rules')
  .version('0.1.0');

registerServe(program);
registerPasswd(program);
registerClientCommands(program);
registerRules(program);
registerGateway(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { message?: string; exitCode?: number };
  process.stderr.write(`ftpgate: ${e?.message ?? String(err)}\n`);
  process.exit(typeof e?.exitCode === 'number' ? e.exitCode : 1);
});
