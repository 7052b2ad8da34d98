// Informational and parameter commands: NOOP SYST FEAT OPTS HELP STAT TYPE MODE STRU ALLO.
import type { Session } from '../session.js';
import { R } from '../../protocol/reply-codes.js';
import { COMMANDS, featLines } from '../command-table.js';
import { formatListLine } from '../../protocol/list-format.js';
import { entryInfo, vpath } from './navigation.js';
import { opendir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { MLST_FACTS } from '../../protocol/list-format.js';

export function NOOP(s: Session): void { s.reply(R.OK, 'NOOP ok'); }

export function SYST(s: Session): void { s.reply(R.SYSTEM_TYPE, 'UNIX Type: L8'); }

export function FEAT(s: Session): void {
  s.reply(R.SYSTEM_STATUS, ['Features:', ...featLines(s), 'End']);
}

export function OPTS(s: Session, arg: string): void {
  const [opt, ...rest] = arg.trim().split(/\s+/);
  const o = (opt ?? '').toUpperCase();
  if (o === 'UTF8' || o === 'UTF-8') {
    const v = (rest[0] ?? 'ON').toUpperCase();
    if (v === 'ON') { s.reply(R.OK, 'UTF8 mode enabled (always on)'); return; }
    s.reply(R.NOT_IMPLEMENTED_PARAM, 'UTF8 cannot be turned off: names are always UTF-8');
    return;
  }
  if (o === 'MLST') {
    const wanted = (rest.join(' ') ?? '').split(';').map((f) => f.trim().toLowerCase()).filter(Boolean);
    s.mlstFacts = wanted.filter((f) => (MLST_FACTS as readonly string[]).includes(f));
    s.reply(R.OK, `MLST OPTS ${s.mlstFacts.map((f) => f + ';').join('')}`);
    return;
  }
  s.reply(R.SYNTAX_ERROR_ARGS, `OPTS ${o.slice(0, 32)} not understood`);
}

export function HELP(s: Session, arg: string): void {
  const verb = arg.trim().toUpperCase();
  if (verb) {
    const spec = COMMANDS[verb];
    if (!spec) { s.reply(R.SYNTAX_ERROR_ARGS, `Unknown command ${verb.slice(0, 32)}`); return; }
    s.reply(R.HELP, `Syntax: ${spec.help}`);
    return;
  }
  const verbs = Object.keys(COMMANDS).sort();
  const rows: string[] = [];
  for (let i = 0; i < verbs.length; i += 8) rows.push(verbs.slice(i, i + 8).map((v) => v.padEnd(5)).join(' '));
  s.reply(R.HELP, ['The following commands are recognized:', ...rows, 'Help OK']);
}

export async function STAT(s: Session, arg: string): Promise<void> {
  if (s.transfer) {
    s.reply(R.SYSTEM_STATUS, ['Transfer in progress:', `${s.transfer.verb} ${s.transfer.path}: ${s.transfer.bytes()} bytes transferred`, 'End of status']);
    return;
  }
  if (!arg.trim() || !s.account) {
    s.reply(R.SYSTEM_STATUS, [
      'ftpgate status:',
      `Connected from ${s.peer}`,
      s.account ? `Logged in as ${s.account.name}` : 'Not logged in',
      `TYPE: ${s.type === 'A' ? 'ASCII' : 'BINARY'}; STRUcture: File; MODE: Stream`,
      `Control connection ${s.tls ? 'TLS' : 'plain'}; data ${s.protP ? 'protected' : 'clear'}`,
      'End of status',
    ]);
    return;
  }
  // STAT path: a listing over the control connection
  const v = vpath(s, arg.trim().replace(/^-[a-zA-Z]+\s*/, ''));
  const { real, stats } = await s.fs!.resolveExisting(v);
  const lines: string[] = [`Status of ${v}:`];
  if (stats.isDirectory()) {
    const dir = await opendir(real);
    let n = 0;
    for await (const d of dir) {
      const st = await lstat(join(real, d.name)).catch(() => null);
      if (st) lines.push(formatListLine(entryInfo(s, d.name, st)));
      if (++n >= 10000) { lines.push('(listing truncated; use LIST)'); break; }
    }
  } else lines.push(formatListLine(entryInfo(s, v.slice(v.lastIndexOf('/') + 1), stats)));
  lines.push('End of status');
  s.reply(R.DIR_STATUS, lines);
}

export function TYPE(s: Session, arg: string): void {
  const a = arg.trim().toUpperCase().replace(/\s+/g, ' ');
  if (a === 'I' || a === 'L 8' || a === 'L8') { s.type = 'I'; s.reply(R.OK, 'Switching to Binary mode'); return; }
  if (a === 'A' || a === 'A N') { s.type = 'A'; s.reply(R.OK, 'Switching to ASCII mode'); return; }
  s.reply(R.NOT_IMPLEMENTED_PARAM, `TYPE ${a.slice(0, 16)} not supported; use A or I`);
}

export function MODE(s: Session, arg: string): void {
  if (arg.trim().toUpperCase() === 'S') s.reply(R.OK, 'Mode set to Stream');
  else s.reply(R.NOT_IMPLEMENTED_PARAM, 'Only MODE S (stream) is supported');
}

export function STRU(s: Session, arg: string): void {
  if (arg.trim().toUpperCase() === 'F') s.reply(R.OK, 'Structure set to File');
  else s.reply(R.NOT_IMPLEMENTED_PARAM, 'Only STRU F (file) is supported');
}

export function ALLO(s: Session): void { s.reply(R.SUPERFLUOUS, 'ALLO not needed, storage is allocated on demand'); }
