// The options model of `ftpgate rules`: types, defaults, parsing helpers and validation with messages naming the option and the fix. Pure.
import { isIP } from 'node:net';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { isValidCidr, normalizeAddress } from '../protocol/host-port.js';

export type Role = 'server' | 'client' | 'router';
export type Mode = 'active' | 'passive';
export type Format = 'nftables' | 'iptables' | 'pf' | 'cisco' | 'h3c' | 'windows';
export const FORMATS: readonly Format[] = ['nftables', 'iptables', 'pf', 'cisco', 'h3c', 'windows'];
export const ROLES: readonly Role[] = ['server', 'client', 'router'];

export interface PortRange {
  min: number;
  max: number;
}

/** What the caller may give; everything except `role` has a default. */
export interface RulesOptions {
  /** Whose traffic the rules are for: the FTP server host, an FTP client host, or a router in front of either. */
  role: Role;
  /** Data connection modes to allow. Default both. */
  modes?: Mode[];
  /** The server's control port. Default 21. */
  controlPort?: number;
  /**
   * The server's passive port range. Default 50000-50100. For role client: the remote servers' passive range
   * (default: any port 1024-65535, since a client talks to servers it does not configure).
   */
  pasvPorts?: PortRange;
  /** Source port of the server's active data connections: 20 (traditional) or an ephemeral port. Default 20. */
  activeSourcePort?: 20 | 'ephemeral';
  /** Let the kernel's FTP conntrack helper open data connections instead of static ranges (assigned explicitly). */
  helper?: boolean;
  /** Router only: DNAT the control port (and the passive range without helper) to serverAddress; masquerade clientNet. */
  nat?: boolean;
  /** Server role: this host's address (optional). Router: the internal server behind the router. Client: the server it talks to. */
  serverAddress?: string;
  /** Server role: the clients allowed (optional CIDR). Router: the internal client network behind the router. Client: this host's network. */
  clientNet?: string;
  /** Router with nat: the public address whose port 21 is forwarded (optional when ifaceOut is given). */
  publicAddress?: string;
  /** The inside interface (towards the protected server or clients). Hosts: the interface the FTP traffic uses. */
  ifaceIn?: string;
  /** The outside interface (towards the internet). */
  ifaceOut?: string;
  /** A complete default-deny ruleset for the host instead of rules to add to an existing firewall. */
  standalone?: boolean;
  /** Other inbound TCP ports to allow in a standalone ruleset (e.g. 22). */
  allowPorts?: number[];
  /** Outbound ports (TCP and UDP) to allow in a standalone ruleset (e.g. 53). */
  allowOutPorts?: number[];
  /** The server's connection limit (max_connections), for the passive range size check. */
  maxConnections?: number;
  /** The target host's ephemeral port range (Linux: /proc/sys/net/ipv4/ip_local_port_range). Default per format. */
  ephemeralRange?: PortRange;
  /** Ports with a listening service on the target host (for the "passive range covers a service" check). */
  listeningPorts?: number[];
  /** The address the server advertises in PASV replies (pasv_address), for the NAT check. */
  pasvAddress?: string;
  /** nftables: the existing table the non-standalone rules are added to. Default "inet filter" (Debian's /etc/nftables.conf). */
  nftTable?: string;
}

/** Options after defaults and validation: what the planners and renderers read. */
export interface ResolvedOptions {
  role: Role;
  modes: Mode[];
  controlPort: number;
  pasvPorts: PortRange;
  /** True when pasvPorts was given (client role uses 1024-65535 otherwise). */
  pasvPortsGiven: boolean;
  activeSourcePort: 20 | 'ephemeral';
  helper: boolean;
  nat: boolean;
  serverAddress?: string;
  clientNet?: string;
  publicAddress?: string;
  ifaceIn?: string;
  ifaceOut?: string;
  standalone: boolean;
  allowPorts: number[];
  allowOutPorts: number[];
  maxConnections?: number;
  ephemeralRange?: PortRange;
  listeningPorts: number[];
  pasvAddress?: string;
  nftTable: { family: string; name: string };
}

export const DEFAULT_PASV_PORTS: PortRange = { min: 50000, max: 50100 };
export const LINUX_EPHEMERAL: PortRange = { min: 32768, max: 60999 };
/** Windows Vista+ and OpenBSD dynamic port range. */
export const IANA_EPHEMERAL: PortRange = { min: 49152, max: 65535 };
export const UNPRIVILEGED: PortRange = { min: 1024, max: 65535 };

/** A bad option: `option` is the CLI flag, the message says what is wrong and how to fix it. */
export class RulesOptionError extends FtpgateError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(ErrorCodes.FIREWALL_BAD_OPTION, `${option}: ${message}`);
    this.option = option;
  }
}

function bad(option: string, message: string): never {
  throw new RulesOptionError(option, message);
}

export function rangeSize(r: PortRange): number {
  return r.max - r.min + 1;
}

export function rangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.min <= b.max && b.min <= a.max;
}

export function formatRange(r: PortRange, sep = '-'): string {
  return r.min === r.max ? String(r.min) : `${r.min}${sep}${r.max}`;
}

/** "50000-50100" (or a single port "50000") → {min,max}; throws naming `option`. */
export function parsePortRange(text: string, option: string): PortRange {
  const m = /^\s*(\d{1,5})\s*(?:[-:]\s*(\d{1,5}))?\s*$/.exec(text);
  if (!m) bad(option, `"${text}" is not a port range; write MIN-MAX, e.g. 50000-50100`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 1 || max > 65535 || min > max) bad(option, `"${text}" must satisfy 1 <= MIN <= MAX <= 65535, e.g. 50000-50100`);
  return { min, max };
}

/** A single TCP port 1-65535; throws naming `option`. */
export function parsePort(text: string | number, option: string): number {
  const s = String(text).trim();
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) bad(option, `"${text}" is not a port number; use 1-65535, e.g. 21`);
  return Number(s);
}

/** "22,80 443" → [22, 80, 443]. */
export function parsePortList(text: string, option: string): number[] {
  return text.split(/[\s,]+/).filter(Boolean).map((p) => parsePort(p, option));
}

export function parseModes(text: string, option = '--modes'): Mode[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) bad(option, 'needs at least one mode: active, passive or active,passive');
  const out: Mode[] = [];
  for (const p of parts) {
    const m = p.toLowerCase();
    if (m !== 'active' && m !== 'passive') bad(option, `"${p}" is not a mode; use active, passive or active,passive`);
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

export function parseActiveSourcePort(text: string | number, option = '--active-source-port'): 20 | 'ephemeral' {
  const s = String(text).trim().toLowerCase();
  if (s === '20') return 20;
  if (s === 'ephemeral') return 'ephemeral';
  bad(option, `"${text}" must be 20 or ephemeral`);
}

/** IPv4/IPv6 family of an address or CIDR (4 or 6). */
export function familyOf(addrOrCidr: string): 4 | 6 {
  return isIP(normalizeAddress(addrOrCidr.split('/')[0])) === 6 ? 6 : 4;
}

const IFACE_RE = /^[A-Za-z0-9_.:@/-]{1,32}$/;
// SECURITY: everything we print lands in a shell, a firewall config or a PowerShell script: names are restricted.
function checkIface(v: string | undefined, option: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!IFACE_RE.test(v)) bad(option, `"${v}" is not an interface name; use letters, digits and . _ - : / (e.g. eth0, GigabitEthernet1/0/1)`);
  return v;
}

function checkAddress(v: string | undefined, option: string, allowCidr: boolean): string | undefined {
  if (v === undefined || v === '') return undefined;
  const a = v.trim();
  if (allowCidr) {
    if (!isValidCidr(a)) bad(option, `"${v}" is not an address or network; write e.g. 203.0.113.0/24 or 2001:db8::/32`);
    const [net, bits] = a.split('/');
    return bits === undefined ? normalizeAddress(net) : `${normalizeAddress(net)}/${bits}`;
  }
  if (!isIP(normalizeAddress(a))) bad(option, `"${v}" is not an IP address; write e.g. 192.0.2.10`);
  return normalizeAddress(a);
}

function checkRange(r: PortRange | undefined, option: string): PortRange | undefined {
  if (!r) return undefined;
  if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 1 || r.max > 65535 || r.min > r.max) {
    bad(option, `${r.min}-${r.max} must satisfy 1 <= MIN <= MAX <= 65535`);
  }
  return { min: r.min, max: r.max };
}

function checkPorts(list: number[] | undefined, option: string): number[] {
  return (list ?? []).map((p) => parsePort(p, option));
}

/** Fill defaults and validate. Throws RulesOptionError (code FTPGATE_ERR_FIREWALL_BAD_OPTION) naming the CLI flag. */
export function resolveOptions(o: RulesOptions): ResolvedOptions {
  if (!ROLES.includes(o.role)) bad('--role', `"${String(o.role)}" is not a role; use server, client or router`);
  const modes = o.modes === undefined ? (['active', 'passive'] as Mode[]) : o.modes;
  if (modes.length === 0) bad('--modes', 'needs at least one mode: active, passive or active,passive');
  for (const m of modes) if (m !== 'active' && m !== 'passive') bad('--modes', `"${String(m)}" is not a mode; use active, passive or active,passive`);
  const controlPort = o.controlPort === undefined ? 21 : parsePort(o.controlPort, '--control-port');
  const given = checkRange(o.pasvPorts, '--pasv-ports');
  if (given && given.min < 1024) bad('--pasv-ports', `${formatRange(given)} starts below 1024; passive ports must be unprivileged (1024-65535), e.g. 50000-50100`);
  if (given && controlPort >= given.min && controlPort <= given.max) bad('--pasv-ports', `${formatRange(given)} contains the control port ${controlPort}; choose a range without it`);
  const activeSourcePort = o.activeSourcePort === undefined ? 20 : parseActiveSourcePort(o.activeSourcePort);
  const nftTableText = (o.nftTable ?? 'inet filter').trim();
  const nt = /^(ip|ip6|inet)\s+([A-Za-z_][A-Za-z0-9_-]{0,31})$/.exec(nftTableText);
  if (!nt) bad('--nft-table', `"${nftTableText}" must be FAMILY NAME with family ip, ip6 or inet, e.g. "inet filter"`);
  const r: ResolvedOptions = {
    role: o.role,
    modes: [...new Set(modes)].sort() as Mode[],
    controlPort,
    pasvPorts: given ?? (o.role === 'client' ? UNPRIVILEGED : DEFAULT_PASV_PORTS),
    pasvPortsGiven: given !== undefined,
    activeSourcePort,
    helper: o.helper === true,
    nat: o.nat === true,
    serverAddress: checkAddress(o.serverAddress, '--server-address', false),
    clientNet: checkAddress(o.clientNet, '--client-net', true),
    publicAddress: checkAddress(o.publicAddress, '--public-address', false),
    ifaceIn: checkIface(o.ifaceIn, '--iface-in'),
    ifaceOut: checkIface(o.ifaceOut, '--iface-out'),
    standalone: o.standalone === true,
    allowPorts: [...new Set(checkPorts(o.allowPorts, '--allow-port'))],
    allowOutPorts: [...new Set(checkPorts(o.allowOutPorts, '--allow-out-port'))],
    maxConnections: o.maxConnections,
    ephemeralRange: checkRange(o.ephemeralRange, '--ephemeral-range'),
    listeningPorts: [...new Set(checkPorts(o.listeningPorts, '--listening-ports'))].sort((a, b) => a - b),
    pasvAddress: checkAddress(o.pasvAddress, 'pasv_address', false),
    nftTable: { family: nt[1], name: nt[2] },
  };
  if (r.maxConnections !== undefined && (!Number.isInteger(r.maxConnections) || r.maxConnections < 1)) {
    bad('--max-connections', `"${r.maxConnections}" must be a whole number >= 1, e.g. 200`);
  }
  if (r.nat && r.role !== 'router') bad('--nat', `NAT rules are for a router; use --role router (now: --role ${r.role}) or drop --nat`);
  if (r.role === 'router') {
    if (!r.serverAddress && !r.clientNet) {
      bad('--role router', 'needs --server-address (an FTP server behind the router) and/or --client-net (FTP clients behind it)');
    }
    if (r.nat && r.serverAddress && !r.ifaceOut && !r.publicAddress) {
      bad('--nat', 'DNAT of the control port needs to know which traffic comes from outside: give --iface-out (outside interface) or --public-address');
    }
    if (r.nat && r.clientNet && !r.ifaceOut) bad('--nat', 'masquerading --client-net needs the outside interface: give --iface-out, e.g. --iface-out eth0');
  }
  if (r.nftTable.family !== 'inet') {
    const want = r.nftTable.family === 'ip' ? 4 : 6;
    for (const [flag, v] of [['--server-address', r.serverAddress], ['--client-net', r.clientNet], ['--public-address', r.publicAddress]] as const) {
      if (v && familyOf(v) !== want) bad(flag, `${v} is IPv${familyOf(v)} but --nft-table "${nftTableText}" is an IPv${want} table; use an "inet" table or an IPv${want} address`);
    }
  }
  if (r.role === 'server' && r.serverAddress && r.clientNet && familyOf(r.serverAddress) !== familyOf(r.clientNet)) {
    bad('--client-net', `${r.clientNet} and --server-address ${r.serverAddress} are of different IP families; use the same family`);
  }
  return r;
}
