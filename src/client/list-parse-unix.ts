// Parser for Unix `ls -l` style LIST lines (vsftpd, ProFTPD, pure-ftpd, pyftpdlib and most others). Pure.
import type { FileInfo } from './file-info.js';

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

// perms, links, owner, [group], size, month, day, year-or-time, name
const UNIX = /^([bcdlps-][rwxsStTl-]{9}[.+@]?)\s+(\d+)\s+(\S+)\s+(?:(\S+)\s+)?(\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{4}|\d{1,2}:\d{2})\s(.*)$/;

export function parseUnixLine(line: string, now: Date = new Date()): FileInfo | null {
  const m = UNIX.exec(line);
  if (!m) return null;
  const [, perms, , , , sizeText, monText, dayText, yt, rest] = m;
  const month = MONTHS[monText.toLowerCase()];
  if (month === undefined) return null;
  let name = rest.replace(/^ /, '');
  let type: FileInfo['type'] = perms[0] === 'd' ? 'dir' : perms[0] === 'l' ? 'link' : perms[0] === '-' ? 'file' : 'unknown';
  let target: string | undefined;
  if (type === 'link') {
    const arrow = name.indexOf(' -> ');
    if (arrow >= 0) { target = name.slice(arrow + 4); name = name.slice(0, arrow); }
  }
  let modifiedAt: Date;
  const day = Number(dayText);
  if (yt.includes(':')) {
    const [h, mi] = yt.split(':').map(Number);
    // No year: the most recent such date not more than a day in the future.
    let year = now.getUTCFullYear();
    modifiedAt = new Date(Date.UTC(year, month, day, h, mi));
    if (modifiedAt.getTime() > now.getTime() + 24 * 3600 * 1000) modifiedAt = new Date(Date.UTC(--year, month, day, h, mi));
  } else {
    modifiedAt = new Date(Date.UTC(Number(yt), month, day));
  }
  return { name, type, size: Number(sizeText), modifiedAt, modifiedAtApprox: true, target, permissions: perms.slice(1, 10), raw: line, format: 'unix' };
}
