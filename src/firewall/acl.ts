// Stateless ACL entries shared by the Cisco and H3C renderers: the plan split into "towards" and "from" the protected side. Pure.
import type { PortRange, ResolvedOptions } from './options.js';
import { flowOf } from './flow.js';
import type { Plan } from './plan.js';

export interface AclEntry {
  /** a channel comment, always present */
  comment: string;
  /** undefined when the entry is replaced by the device's FTP inspection (helper) */
  permit?: {
    saddr?: string;
    sport?: PortRange;
    daddr?: string;
    dport?: PortRange;
    /** only packets of established TCP connections (ACK or RST set): the reply direction */
    established: boolean;
  };
}

export interface AclSplit {
  /** traffic towards the protected side (apply inbound on the outside interface) */
  toward: AclEntry[];
  /** traffic from the protected side (apply inbound on the inside interface, as in the seeds' H3C example) */
  from: AclEntry[];
}

export function splitAcl(plan: Plan, o: ResolvedOptions, inspectionName: string): AclSplit {
  const toward: AclEntry[] = [];
  const from: AclEntry[] = [];
  for (const r of plan.rules) {
    const f = flowOf(r, o);
    const e: AclEntry = r.helper
      ? { comment: `${r.comment.replace(', via FTP helper', '')}: opened per session by ${inspectionName}` }
      : { comment: r.comment, permit: { saddr: f.saddr, sport: f.sport, daddr: f.daddr, dport: f.dport, established: r.state === 'reply' } };
    (r.dir === 'in' ? toward : from).push(e);
  }
  return { toward, from };
}

/** IPv4 CIDR → [network, wildcard]; a bare address → [address, '0.0.0.0']. */
export function wildcard(cidr: string): [string, string] {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const inv = ~mask >>> 0;
  const n = net.split('.').map(Number).reduce((a, b) => ((a << 8) | b) >>> 0, 0) & mask;
  const dotted = (x: number) => [24, 16, 8, 0].map((s) => (x >>> s) & 255).join('.');
  return [dotted(n >>> 0), dotted(inv)];
}
