// Turns a whole listing (MLSD or LIST text) into FileInfo entries; lines no parser understands are kept as type 'unknown'.
import type { FileInfo } from './file-info.js';
import { parseMlsdLine, isSelfOrParent } from './list-parse-mlsd.js';
import { parseUnixLine } from './list-parse-unix.js';
import { parseDosLine } from './list-parse-dos.js';
import { parseEplfLine } from './list-parse-eplf.js';

/** Parse MLSD output: one fact line per entry; `cdir`/`pdir` entries are dropped. */
export function parseMlsdListing(text: string): FileInfo[] {
  const out: FileInfo[] = [];
  for (const line of splitLines(text)) {
    const info = parseMlsdLine(line);
    if (!info) { out.push(unknown(line)); continue; }
    if (isSelfOrParent(info) || info.name === '.' || info.name === '..') continue;
    out.push(info);
  }
  return out;
}

/** Parse LIST output; each line is tried as Unix, DOS/IIS and EPLF. `total N` lines and `.`/`..` are dropped. */
export function parseListListing(text: string, now: Date = new Date()): FileInfo[] {
  const out: FileInfo[] = [];
  for (const line of splitLines(text)) {
    if (/^total\s+\d+/i.test(line)) continue;
    const info = parseUnixLine(line, now) ?? parseDosLine(line) ?? parseEplfLine(line);
    if (!info) { out.push(unknown(line)); continue; }
    if (info.name === '.' || info.name === '..') continue;
    out.push(info);
  }
  return out;
}

function unknown(line: string): FileInfo {
  return { name: '', type: 'unknown', raw: line, format: 'unknown' };
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}
