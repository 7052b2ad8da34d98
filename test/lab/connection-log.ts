// Turns traced chain passes into TCP connection attempts: who dialled what, and whether it was accepted, refused or dropped by which rule.
import { TCP, TRACE_TABLE, type ChainPass } from './trace.js';
import type { Role } from './topology.js';

export interface Endpoint {
  addr: string;
  port: number;
}

export type AttemptOutcome = 'accepted' | 'refused' | 'dropped' | 'no-answer';

export interface Attempt {
  /** ms (recorder clock) of the first SYN */
  t: number;
  from: Role;
  /** the role the SYN was meant for (after NAT, when the router translated it) */
  to: Role;
  /** as the initiator sent it */
  src: Endpoint;
  dst: Endpoint;
  /** as the target saw it, when NAT changed it */
  translatedDst?: Endpoint;
  translatedSrc?: Endpoint;
  /** number of SYNs the initiator sent (retransmissions included) */
  syns: number;
  /** when each of them left (recorder clock, ms) */
  synTimes: number[];
  outcome: AttemptOutcome;
  /** where it was dropped: namespace, `table chain`, rule text (or `policy drop`) */
  droppedBy?: { role: Role; chain: string; rule: string };
  /** the rule in a filtering chain (not our trace table) that let the first SYN through, per namespace */
  acceptedBy: { role: Role; chain: string; rule: string }[];
  /** ms (recorder clock) of the SYN-ACK or RST, if any */
  answeredAt?: number;
}

const isSyn = (f: number) => (f & (TCP.SYN | TCP.ACK)) === TCP.SYN;
const isSynAck = (f: number) => (f & (TCP.SYN | TCP.ACK)) === (TCP.SYN | TCP.ACK);
const isRst = (f: number) => (f & TCP.RST) !== 0;

export interface RoleResolver {
  roleOf(addr: string): Role | undefined;
}

/**
 * Groups SYN passes by (source port, destination port) — NAT in the lab rewrites addresses, not ports — and works out each
 * attempt's fate from every namespace's view. Passes are expected in arrival order.
 */
export function buildAttempts(passes: readonly ChainPass[], roles: RoleResolver): Attempt[] {
  const groups = new Map<string, ChainPass[]>();
  const order: string[] = [];
  for (const p of passes) {
    if (!isSyn(p.packet.flags)) continue;
    const key = `${p.packet.sport}>${p.packet.dport}`;
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
      order.push(key);
    }
    g.push(p);
  }
  const attempts: Attempt[] = [];
  for (const key of order) {
    const g = groups.get(key)!;
    // the initiator is the namespace whose output hook saw the SYN; failing that, the owner of the source address
    const origin = g.find((p) => p.table === TRACE_TABLE && p.chain === 'out' && p.role !== 'fw') ?? g.find((p) => p.table === TRACE_TABLE && p.chain === 'out') ?? g[0];
    const from = origin.table === TRACE_TABLE && origin.chain === 'out' ? origin.role : roles.roleOf(origin.packet.saddr) ?? origin.role;
    const sent = g.filter((p) => p.role === from && p.table === TRACE_TABLE && p.chain === (origin.chain === 'out' ? 'out' : origin.chain));
    const synTimes = sent.length ? sent.map((p) => p.t) : [origin.t];
    const syns = synTimes.length;
    const src = { addr: origin.packet.saddr, port: origin.packet.sport };
    const dst = { addr: origin.packet.daddr, port: origin.packet.dport };
    // the last view of the SYN anywhere: after DNAT/SNAT
    const views = g.filter((p) => p.role !== from || p.chain !== 'out');
    const last = views.length ? views[views.length - 1] : origin;
    const translatedDst = last.packet.daddr !== dst.addr ? { addr: last.packet.daddr, port: last.packet.dport } : undefined;
    const translatedSrc = last.packet.saddr !== src.addr ? { addr: last.packet.saddr, port: last.packet.sport } : undefined;
    const reachedOther = g.find((p) => p.role !== from && p.role !== 'fw' && p.table === TRACE_TABLE && p.chain === 'pre');
    const to = reachedOther?.role ?? roles.roleOf(last.packet.daddr) ?? 'fw';
    const drop = g.find((p) => p.verdict === 'drop' || p.verdict === 'reject');
    const acceptedBy: Attempt['acceptedBy'] = [];
    const seen = new Set<string>();
    for (const p of g) {
      if (p.table === TRACE_TABLE || p.verdict !== 'accept' || !p.decidedBy) continue;
      const k = `${p.role}|${p.table}|${p.chain}`;
      if (seen.has(k)) continue;
      seen.add(k);
      acceptedBy.push({ role: p.role, chain: `${p.table} ${p.chain}`, rule: p.decidedBy });
    }
    const t = origin.t;
    const [sp, dp] = [src.port, dst.port];
    const answers = passes.filter((p) => p.t >= t && p.packet.sport === dp && p.packet.dport === sp);
    const synAck = answers.find((p) => isSynAck(p.packet.flags));
    const rst = answers.find((p) => isRst(p.packet.flags));
    let outcome: AttemptOutcome;
    let answeredAt: number | undefined;
    if (synAck) {
      outcome = 'accepted';
      answeredAt = synAck.t;
    } else if (drop) {
      outcome = 'dropped';
    } else if (rst) {
      outcome = 'refused';
      answeredAt = rst.t;
    } else outcome = 'no-answer';
    attempts.push({
      t,
      from,
      to,
      src,
      dst,
      translatedDst,
      translatedSrc,
      syns,
      synTimes,
      outcome,
      droppedBy: drop ? { role: drop.role, chain: `${drop.table} ${drop.chain}`, rule: drop.decidedBy ?? 'drop' } : undefined,
      acceptedBy,
      answeredAt,
    });
  }
  return attempts;
}

/** A rule as people read it: `ct state established,related accept — "replies and ..."` (the comment after a dash). */
export function ruleText(rule: string): string {
  const m = /^(.*?)\s+comment "(.*)"\s*$/.exec(rule);
  return m ? `${m[1]} — "${m[2]}"` : rule;
}

/** One line for a person: `client 198.51.100.10:40000 → 203.0.113.10:21 accepted` etc. */
export function describeAttempt(a: Attempt): string {
  const dst = `${a.dst.addr}:${a.dst.port}`;
  const nat = a.translatedDst ? ` (DNAT → ${a.translatedDst.addr}:${a.translatedDst.port})` : a.translatedSrc ? ` (SNAT ${a.translatedSrc.addr}:${a.translatedSrc.port})` : '';
  let fate: string = a.outcome;
  if (a.outcome === 'dropped' && a.droppedBy) fate = `DROPPED at ${a.droppedBy.role} by [${a.droppedBy.chain}] ${ruleText(a.droppedBy.rule)}`;
  if (a.outcome === 'accepted') {
    const rel = a.acceptedBy.find((x) => /related/.test(x.rule));
    if (rel) fate = `accepted as RELATED at ${rel.role} (an FTP-helper expectation): [${rel.chain}] ${ruleText(rel.rule)}`;
  }
  const tries = a.syns > 1 ? ` ×${a.syns} SYN` : '';
  return `${a.from} ${a.src.addr}:${a.src.port} → ${dst}${nat} [${a.to}]${tries}: ${fate}`;
}
