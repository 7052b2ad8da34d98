// Parser for MLSD/MLST fact lines (RFC 3659): `type=file;size=12;modify=20240101120000; name`. Pure.
import { parseTimeVal } from '../protocol/list-format.js';
import type { FileInfo } from './file-info.js';

export function parseMlsdLine(line: string): FileInfo | null {
  const sp = line.indexOf(' ');
  if (sp < 0) return null;
  const factText = line.slice(0, sp);
  const name = line.slice(sp + 1);
  if (!factText.includes('=')) return null;
  const facts = new Map<string, string>();
  for (const f of factText.split(';')) {
    if (!f) continue;
    const eq = f.indexOf('=');
    if (eq <= 0) return null;
    facts.set(f.slice(0, eq).toLowerCase(), f.slice(eq + 1));
  }
  const t = (facts.get('type') ?? '').toLowerCase();
  const info: FileInfo = { name, type: 'unknown', raw: line, format: 'mlsd' };
  if (t === 'file') info.type = 'file';
  else if (t === 'dir' || t === 'cdir' || t === 'pdir') info.type = 'dir';
  else if (t === 'os.unix=symlink' || t === 'os.unix=slink' || t.startsWith('os.unix=slink')) info.type = 'link';
  const size = facts.get('size') ?? facts.get('sizd');
  if (size !== undefined && /^\d+$/.test(size)) info.size = Number(size);
  const modify = facts.get('modify');
  if (modify) {
    const d = parseTimeVal(modify);
    if (d) info.modifiedAt = d;
  }
  const mode = facts.get('unix.mode');
  if (mode) info.permissions = mode;
  // cdir/pdir are the listed directory itself and its parent: callers drop them.
  if (t === 'cdir' || t === 'pdir') (info as FileInfo & { self?: boolean }).self = true;
  return info;
}

/** True for the `cdir`/`pdir` entries that describe `.` and `..`. */
export function isSelfOrParent(info: FileInfo): boolean {
  return (info as FileInfo & { self?: boolean }).self === true;
}
