// Encodings of data-connection addresses: PORT/PASV (RFC 959) and EPRT/EPSV (RFC 2428). Pure, no I/O.
import { isIP } from 'node:net';
import { ErrorCodes, FtpgateError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

function bad(msg: string): never {
  throw new FtpgateError(ErrorCodes.PROTOCOL_BAD_HOSTPORT, msg, { reply: 501 });
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; lower-cases IPv6; strips a zone-less bracket form. Used before every address comparison. */
export function normalizeAddress(addr: string): string {
  let a = addr.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (m) return m[1];
  return a.toLowerCase();
}

/** Parse the six comma-separated numbers of a PORT argument or a 227 reply. */
export function parseHostPort6(text: string): HostPort {
  const parts = text.trim().split(',');
  if (parts.length !== 6) bad('expected h1,h2,h3,h4,p1,p2');
  const nums = parts.map((p) => {
    if (!/^\s*\d{1,3}\s*$/.test(p)) bad(`not a number: ${JSON.stringify(p)}`);
    const n = Number(p);
    if (n > 255) bad(`out of range: ${n}`);
    return n;
  });
  const port = nums[4] * 256 + nums[5];
  if (port === 0) bad('port 0 is not valid');
  return { host: nums.slice(0, 4).join('.'), port };
}

/** Argument of PORT / body of 227 for an IPv4 address. */
export function formatHostPort6(host: string, port: number): string {
  const h = normalizeAddress(host);
  if (isIP(h) !== 4) bad(`PASV/PORT can only express IPv4 addresses, not ${h}`);
  return `${h.split('.').join(',')},${port >> 8},${port & 255}`;
}

/** Parse a 227 reply text: the first h1,h2,h3,h4,p1,p2 group anywhere in it. */
export function parsePasvReply(text: string): HostPort {
  const m = /(\d{1,3},\d{1,3},\d{1,3},\d{1,3},\d{1,3},\d{1,3})/.exec(text);
  if (!m) bad(`no address in PASV reply: ${JSON.stringify(text)}`);
  return parseHostPort6(m[1]);
}

/** Parse an EPRT argument `|1|132.235.1.2|6275|` or `|2|::1|6275|` (any delimiter 33-126). */
export function parseEprt(arg: string): HostPort & { family: 1 | 2 } {
  const a = arg.trim();
  if (a.length < 7) bad('EPRT argument too short');
  const d = a[0];
  const code = d.charCodeAt(0);
  if (code < 33 || code > 126) bad('bad EPRT delimiter');
  const parts = a.split(d);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') bad('expected |proto|address|port|');
  const family = parts[1] === '1' ? 1 : parts[1] === '2' ? 2 : bad(`unknown network protocol ${parts[1]}`);
  const host = normalizeAddress(parts[2]);
  const ipv = isIP(host);
  if (family === 1 && ipv !== 4) bad(`not an IPv4 address: ${parts[2]}`);
  if (family === 2 && ipv !== 6 && !/^::ffff:/i.test(parts[2])) bad(`not an IPv6 address: ${parts[2]}`);
  if (!/^\d{1,5}$/.test(parts[3])) bad(`bad port ${parts[3]}`);
  const port = Number(parts[3]);
  if (port < 1 || port > 65535) bad(`port out of range: ${port}`);
  return { host, port, family };
}

export function formatEprt(host: string, port: number): string {
  const h = normalizeAddress(host);
  const fam = isIP(h) === 6 ? 2 : 1;
  return `|${fam}|${h}|${port}|`;
}

/** Body of a 229 reply. */
export function formatEpsv(port: number): string {
  return `(|||${port}|)`;
}

/** Parse a 229 reply text: `Entering Extended Passive Mode (|||6446|)`. */
export function parseEpsvReply(text: string): number {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(text);
  if (!m) bad(`no port in EPSV reply: ${JSON.stringify(text)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) bad(`port out of range: ${port}`);
  return port;
}

/** Does `addr` (normalised) lie inside `cidr` (e.g. 10.0.0.0/8, fd00::/8)? */
export function cidrContains(cidr: string, addr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = normalizeAddress(addr);
  const n = normalizeAddress(net);
  const fam = isIP(n);
  if (fam === 0 || isIP(a) !== fam) return false;
  const bits = bitsText === undefined ? (fam === 4 ? 32 : 128) : Number(bitsText);
  const ab = addrBytes(a);
  const nb = addrBytes(n);
  for (let i = 0; i < ab.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) break;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((ab[i] & mask) !== (nb[i] & mask)) return false;
  }
  return true;
}

export function isValidCidr(cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const fam = isIP(normalizeAddress(net));
  if (!fam) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (fam === 4 ? 32 : 128);
}

function addrBytes(a: string): number[] {
  if (isIP(a) === 4) return a.split('.').map(Number);
  // expand IPv6
  const [head, tail] = a.includes('::') ? a.split('::') : [a, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  let groups: string[] = [];
  const expandV4 = (arr: string[]) => {
    const last = arr[arr.length - 1];
    if (last && last.includes('.')) {
      const b = last.split('.').map(Number);
      arr.splice(arr.length - 1, 1, ((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16));
    }
    return arr;
  };
  const hh = expandV4(h);
  const tt = expandV4(t);
  groups = a.includes('::') ? [...hh, ...Array(8 - hh.length - tt.length).fill('0'), ...tt] : hh;
  const out: number[] = [];
  for (const g of groups) {
    const v = parseInt(g || '0', 16);
    out.push(v >> 8, v & 255);
  }
  return out;
}

// SECURITY: the FTP bounce attack — PORT/EPRT may only name the control connection's peer and an unprivileged port.
/** Why an active-mode target must be refused (rule name for logs, reply text), or null when it may be dialled. */
export function activeTargetRefusal(t: HostPort, peer: string, allow: { foreign: boolean; privileged: boolean }): { rule: string; message: string } | null {
  const host = normalizeAddress(t.host);
  if (!allow.foreign && host !== normalizeAddress(peer)) {
    return { rule: 'active-foreign-address', message: `Refusing data connection to ${host}: it is not your address ${normalizeAddress(peer)} (FTP bounce protection)` };
  }
  if (!allow.privileged && t.port < 1024) {
    return { rule: 'active-privileged-port', message: `Refusing data connection to port ${t.port}: ports below 1024 are not allowed (FTP bounce protection)` };
  }
  return null;
}
