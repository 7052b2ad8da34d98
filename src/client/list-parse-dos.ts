// Parser for DOS/IIS style LIST lines: `01-31-24  09:05PM  <DIR>  name` or `... 1234 name`. Pure.
import type { FileInfo } from './file-info.js';

const DOS = /^(\d{2})-(\d{2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?\s+(<DIR>|\d+)\s+(.+)$/;

export function parseDosLine(line: string): FileInfo | null {
  const m = DOS.exec(line);
  if (!m) return null;
  const [, mo, d, yText, hText, mi, ampm, sizeOrDir, name] = m;
  let year = Number(yText);
  if (yText.length === 2) year += year < 70 ? 2000 : 1900;
  let h = Number(hText);
  if (ampm) {
    const pm = ampm.toUpperCase() === 'PM';
    if (h === 12) h = pm ? 12 : 0;
    else if (pm) h += 12;
  }
  const modifiedAt = new Date(Date.UTC(year, Number(mo) - 1, Number(d), h, Number(mi)));
  const isDir = sizeOrDir.toUpperCase() === '<DIR>';
  return { name, type: isDir ? 'dir' : 'file', size: isDir ? undefined : Number(sizeOrDir), modifiedAt, modifiedAtApprox: true, raw: line, format: 'dos' };
}
