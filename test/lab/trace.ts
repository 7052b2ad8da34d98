// Records every TCP SYN/RST in the lab namespaces with `nft monitor trace`: which chain and rule accepted or dropped it.
import type { ChildProcess } from 'node:child_process';
import { execIn, runIn, spawnIn, stopChild } from './netns.js';
import type { Lab, Role } from './topology.js';

/** Our own table: marks TCP SYN and RST packets for tracing, before conntrack and NAT. Never filters anything. */
export const TRACE_TABLE = 'fgl_trace';
export const TRACE_RULESET = `table inet ${TRACE_TABLE} {
  chain pre {
    type filter hook prerouting priority -350; policy accept;
    tcp flags & (syn | rst) != 0 meta nftrace set 1
  }
  chain out {
    type filter hook output priority -350; policy accept;
    tcp flags & (syn | rst) != 0 meta nftrace set 1
  }
}
`;

export interface PacketInfo {
  iif?: string;
  oif?: string;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  /** TCP flags as a bit mask: FIN 1, SYN 2, RST 4, PSH 8, ACK 16 */
  flags: number;
}

export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

/** One trace line, parsed. */
export interface TraceLine {
  id: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'policy' | 'other';
  packet?: PacketInfo;
  /** rule text (kind rule) */
  rule?: string;
  /** accept, drop, continue, jump, return, ... (kind rule or policy) */
  verdict?: string;
}

const FLAG_NAMES: Record<string, number> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ecn: 64, cwr: 128 };

function parseFlags(text: string): number {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  let v = 0;
  for (const name of t.split(/[\s|,]+/)) if (name in FLAG_NAMES) v |= FLAG_NAMES[name];
  return v;
}

/** Parses the packet description of a `packet:` trace line; undefined when it is not IPv4 TCP. */
export function parsePacket(text: string): PacketInfo | undefined {
  const get = (re: RegExp) => re.exec(text)?.[1];
  const saddr = get(/\bip saddr (\S+)/);
  const daddr = get(/\bip daddr (\S+)/);
  const sport = get(/\btcp sport (\d+)/);
  const dport = get(/\btcp dport (\d+)/);
  const flags = /\btcp flags == (.+?) tcp window/.exec(text)?.[1] ?? get(/\btcp flags == (\S+)/);
  if (!saddr || !daddr || !sport || !dport || flags === undefined) return undefined;
  return { iif: get(/\biif "([^"]+)"/), oif: get(/\boif "([^"]+)"/), saddr, daddr, sport: Number(sport), dport: Number(dport), flags: parseFlags(flags) };
}

/** Parses one line of `nft monitor trace`. */
export function parseTraceLine(line: string): TraceLine | undefined {
  const m = /^trace id (\S+) (\S+) (\S+) (\S+) (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const [, id, family, table, chain, rest] = m;
  const base = { id, family, table, chain };
  if (rest.startsWith('packet: ')) return { ...base, kind: 'packet', packet: parsePacket(rest.slice(8)) };
  if (rest.startsWith('rule ')) {
    const r = /^rule (.*) \(verdict ([^)]*)\)\s*$/.exec(rest);
    if (!r) return { ...base, kind: 'rule', rule: rest.slice(5) };
    return { ...base, kind: 'rule', rule: r[1], verdict: r[2].split(' ')[0] };
  }
  if (rest.startsWith('policy ')) return { ...base, kind: 'policy', verdict: rest.slice(7).trim() };
  return { ...base, kind: 'other' };
}

/** A packet's pass through one chain in one namespace: what it looked like there and the verdict it got. */
export interface ChainPass {
  role: Role;
  /** ms since the recorder started */
  t: number;
  table: string;
  chain: string;
  packet: PacketInfo;
  /** the deciding rule text, or `policy <verdict>` */
  decidedBy?: string;
  verdict?: string;
}

/** Folds parsed lines (per namespace, in order) into chain passes. */
export class PassBuilder {
  readonly passes: ChainPass[] = [];
  private open = new Map<string, ChainPass>();

  add(role: Role, t: number, l: TraceLine): void {
    const key = `${role}|${l.id}|${l.table}|${l.chain}`;
    if (l.kind === 'packet') {
      if (!l.packet) return;
      const p: ChainPass = { role, t, table: l.table, chain: l.chain, packet: l.packet };
      this.passes.push(p);
      this.open.set(key, p);
      return;
    }
    const p = this.open.get(key);
    if (!p || !l.verdict) return;
    if (l.verdict === 'continue' || l.verdict === 'jump' || l.verdict === 'goto') return;
    if (l.kind === 'policy') p.decidedBy = `policy ${l.verdict}`;
    else p.decidedBy = l.rule;
    p.verdict = l.verdict;
    this.open.delete(key);
  }
}

/** Runs `nft monitor trace` in each namespace of a lab and collects chain passes with arrival times. */
export class TraceRecorder {
  readonly builder = new PassBuilder();
  private children: ChildProcess[] = [];
  private t0 = performance.now();
  private readyProbe = new Map<Role, () => void>();

  constructor(private readonly lab: Lab) {}

  /** ms since the recorder started (the clock of every pass) */
  now(): number {
    return performance.now() - this.t0;
  }

  get passes(): ChainPass[] {
    return this.builder.passes;
  }

  /** Adds the trace table (after the scenario's rules, which may flush the ruleset) and starts the monitors. */
  async start(roles: readonly Role[]): Promise<void> {
    for (const role of roles) {
      const ns = this.lab.ns[role];
      await execIn(ns, ['nft', 'delete', 'table', 'inet', TRACE_TABLE]);
      await runIn(ns, ['nft', '-f', '-'], { input: TRACE_RULESET });
      // stdbuf: nft block-buffers stdout into a pipe; we need every line when it happens
      const child = spawnIn(ns, ['stdbuf', '-oL', 'nft', 'monitor', 'trace']);
      this.children.push(child);
      let partial = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        const t = this.now();
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const parsed = parseTraceLine(line);
          if (!parsed) continue;
          if (parsed.packet && parsed.packet.dport === 9 && parsed.packet.daddr === '127.0.0.1') {
            this.readyProbe.get(role)?.();
            continue;
          }
          if (parsed.packet && (parsed.packet.iif === 'lo' || parsed.packet.oif === 'lo')) continue;
          this.builder.add(role, t, parsed);
        }
      });
    }
    // readiness: a SYN to 127.0.0.1:9 in each namespace must show up in that namespace's monitor
    await Promise.all(
      roles.map(async (role) => {
        const seen = new Promise<void>((res) => this.readyProbe.set(role, res));
        for (let i = 0; i < 50; i++) {
          await execIn(this.lab.ns[role], ['/usr/bin/python3', '-c', PROBE_LOOPBACK]);
          const ok = await Promise.race([seen.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
          if (ok) return;
        }
        throw new Error(`nft monitor trace in ${role} did not start`);
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => stopChild(c, 500)));
    this.children = [];
  }
}

const PROBE_LOOPBACK = `import socket
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect(('127.0.0.1', 9))
except Exception:
    pass
`;
