// Directory and file-management commands: PWD CWD CDUP MKD RMD DELE RNFR RNTO SIZE MDTM MFMT MLST SITE CHMOD.
import { chmod, mkdir, rename, rmdir, unlink, utimes, lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import type { Session } from '../session.js';
import { R } from '../../protocol/reply-codes.js';
import { quotePath } from '../../protocol/reply.js';
import { resolveVirtual } from '../../protocol/path.js';
import { formatMlsxLine, formatTimeVal, parseTimeVal, type EntryInfo } from '../../protocol/list-format.js';

export function vpath(s: Session, arg: string): string {
  return resolveVirtual(s.cwd, arg);
}

export function entryInfo(s: Session, name: string, st: Stats, isLink = false): EntryInfo {
  const isDir = st.isDirectory();
  const w = s.account?.write === true;
  const perm = isDir ? (w ? 'elcmfp' : 'el') : (w ? 'radfw' : 'r');
  return {
    name,
    type: isLink && !isDir && !st.isFile() ? 'link' : isDir ? 'dir' : st.isFile() ? 'file' : 'other',
    size: st.size,
    mtime: st.mtime,
    mode: st.mode,
    perm,
    unique: `${st.dev.toString(16)}g${st.ino.toString(16)}`,
  };
}

export function PWD(s: Session): void {
  s.reply(R.PATH_CREATED, `${quotePath(s.cwd)} is the current directory`);
}

export async function CWD(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const { stats } = await s.fs!.resolveExisting(v);
  if (!stats.isDirectory()) { s.reply(R.FILE_UNAVAILABLE, `${v}: Not a directory`); return; }
  s.cwd = v;
  s.reply(R.FILE_ACTION_OK, `Directory changed to ${v}`);
}

export async function CDUP(s: Session): Promise<void> {
  s.cwd = resolveVirtual(s.cwd, '..');
  s.reply(R.OK, `Directory changed to ${s.cwd}`);
}

export async function MKD(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const t = await s.fs!.resolveForCreate(v);
  if (t.exists) { s.reply(R.FILE_UNAVAILABLE, `${v}: File exists`); return; }
  await mkdir(t.real);
  s.log({ event: 'mkdir', path: v });
  s.reply(R.PATH_CREATED, `${quotePath(v)} directory created`);
}

export async function RMD(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  if (v === '/') { s.reply(R.FILE_UNAVAILABLE, 'Cannot remove the root directory'); return; }
  const t = await s.fs!.resolveForCreate(v);
  if (!t.exists) { s.reply(R.FILE_UNAVAILABLE, `${v}: No such file or directory`); return; }
  if (!t.exists.isDirectory()) { s.reply(R.FILE_UNAVAILABLE, `${v}: Not a directory`); return; }
  await rmdir(t.real);
  s.log({ event: 'rmdir', path: v });
  s.reply(R.FILE_ACTION_OK, `${v}: directory removed`);
}

export async function DELE(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const t = await s.fs!.resolveForCreate(v);
  const own = await lstat(s.fs!.lexical(v)).catch(() => null);
  if (!t.exists || !own) { s.reply(R.FILE_UNAVAILABLE, `${v}: No such file or directory`); return; }
  if (own.isDirectory()) { s.reply(R.FILE_UNAVAILABLE, `${v}: Is a directory (use RMD)`); return; }
  // unlink the name itself (a symlink is removed, never its target)
  await unlink(s.fs!.lexical(v));
  s.log({ event: 'delete', path: v });
  s.reply(R.FILE_ACTION_OK, `${v}: deleted`);
}

export async function RNFR(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  if (v === '/') { s.reply(R.FILE_UNAVAILABLE, 'Cannot rename the root directory'); return; }
  await s.fs!.resolveForCreate(v);
  const own = await lstat(s.fs!.lexical(v)).catch(() => null);
  if (!own) { s.reply(R.FILE_UNAVAILABLE, `${v}: No such file or directory`); return; }
  s.renameFrom = v;
  s.reply(R.PENDING_MORE_INFO, 'Ready for RNTO');
}

export async function RNTO(s: Session, arg: string): Promise<void> {
  const from = s.renameFrom;
  if (!from) { s.reply(R.BAD_SEQUENCE, 'Send RNFR first'); return; }
  const to = vpath(s, arg);
  await s.fs!.resolveForCreate(to);
  const toParent = await s.fs!.resolveExisting(resolveVirtual(to, '..'));
  const fromParent = await s.fs!.resolveExisting(resolveVirtual(from, '..'));
  await rename(`${fromParent.real}/${basename(from)}`, `${toParent.real}/${basename(to)}`);
  s.log({ event: 'rename', from, to });
  s.reply(R.FILE_ACTION_OK, 'Rename successful');
}

export async function SIZE(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const { stats } = await s.fs!.resolveExisting(v);
  if (!stats.isFile()) { s.reply(R.FILE_UNAVAILABLE, `${v}: not a regular file`); return; }
  s.reply(R.FILE_STATUS, String(stats.size));
}

export async function MDTM(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const { stats } = await s.fs!.resolveExisting(v);
  s.reply(R.FILE_STATUS, formatTimeVal(stats.mtime));
}

export async function MFMT(s: Session, arg: string): Promise<void> {
  const sp = arg.indexOf(' ');
  const when = sp > 0 ? parseTimeVal(arg.slice(0, sp)) : null;
  if (!when) { s.reply(R.SYNTAX_ERROR_ARGS, 'Usage: MFMT YYYYMMDDHHMMSS path'); return; }
  const v = vpath(s, arg.slice(sp + 1));
  const { real } = await s.fs!.resolveExisting(v);
  await utimes(real, when, when);
  s.reply(R.FILE_STATUS, `Modify=${formatTimeVal(when)}; ${v}`);
}

export async function MLST(s: Session, arg: string): Promise<void> {
  const v = vpath(s, arg);
  const { stats } = await s.fs!.resolveExisting(v);
  const info = entryInfo(s, v, stats);
  s.reply(R.FILE_ACTION_OK, [`Listing ${v}`, formatMlsxLine(info, s.mlstFacts), 'End']);
}

export async function SITE(s: Session, arg: string): Promise<void> {
  const [sub, ...rest] = arg.trim().split(/\s+/);
  const cmd = (sub ?? '').toUpperCase();
  if (cmd === 'HELP' || cmd === '') { s.reply(R.HELP, ['SITE commands:', 'CHMOD <mode> <path>', 'HELP', 'End']); return; }
  if (cmd === 'CHMOD') {
    if (!s.account?.write) { s.reply(R.FILE_UNAVAILABLE, 'Permission denied (read-only account)'); return; }
    const mode = rest[0];
    if (!mode || !/^[0-7]{3,4}$/.test(mode) || rest.length < 2) { s.reply(R.SYNTAX_ERROR_ARGS, 'Usage: SITE CHMOD <octal mode> <path>'); return; }
    const v = vpath(s, arg.trim().split(/\s+/).slice(2).join(' '));
    const { real } = await s.fs!.resolveExisting(v);
    // SECURITY: no setuid/setgid/sticky bits via FTP
    await chmod(real, parseInt(mode, 8) & 0o777);
    s.reply(R.OK, `SITE CHMOD ${mode} ${v} ok`);
    return;
  }
  s.reply(R.NOT_IMPLEMENTED_PARAM, `SITE ${cmd.slice(0, 32)} not supported (try SITE HELP)`);
}
