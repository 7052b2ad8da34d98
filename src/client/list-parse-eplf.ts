// Parser for EPLF listing lines (D. J. Bernstein): `+i8388621.48594,m825718503,r,s280,\tdjb.html`. Pure.
import type { FileInfo } from './file-info.js';

export function parseEplfLine(line: string): FileInfo | null {
  if (!line.startsWith('+')) return null;
  const tab = line.indexOf('\t');
  if (tab < 0) return null;
  const name = line.slice(tab + 1);
  const info: FileInfo = { name, type: 'unknown', raw: line, format: 'eplf' };
  for (const fact of line.slice(1, tab).split(',')) {
    if (fact === '/') info.type = 'dir';
    else if (fact === 'r') { if (info.type === 'unknown') info.type = 'file'; }
    else if (fact.startsWith('s') && /^\d+$/.test(fact.slice(1))) info.size = Number(fact.slice(1));
    else if (fact.startsWith('m') && /^\d+$/.test(fact.slice(1))) info.modifiedAt = new Date(Number(fact.slice(1)) * 1000);
    else if (fact.startsWith('up')) info.permissions = fact.slice(2);
  }
  return info;
}
