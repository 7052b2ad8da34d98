// Turns a planned rule (protected side, in/out) into a concrete packet flow: chain, interfaces, source and destination. Pure.
import type { PortRange, ResolvedOptions } from './options.js';
import type { FtpRule, HelperAssign } from './plan.js';

export type ChainName = 'input' | 'output' | 'forward' | 'prerouting';

export interface Flow {
  chain: ChainName;
  iif?: string;
  oif?: string;
  saddr?: string;
  daddr?: string;
  /** undefined = any port */
  sport?: PortRange;
  dport?: PortRange;
}

/** Is this the whole port space (no match needed)? */
export function anyPort(p: PortRange | undefined): boolean {
  return !p || (p.min <= 1 && p.max >= 65535);
}

/** The interface a host's FTP traffic uses: --iface-in, else --iface-out. */
export function hostIface(o: ResolvedOptions): string | undefined {
  return o.ifaceIn ?? o.ifaceOut;
}

/** Chain and interfaces for traffic towards ('in') or from ('out') the protected side. */
function place(o: ResolvedOptions, dir: 'in' | 'out'): Pick<Flow, 'chain' | 'iif' | 'oif'> {
  if (o.role === 'router') {
    return dir === 'in' ? { chain: 'forward', iif: o.ifaceOut, oif: o.ifaceIn } : { chain: 'forward', iif: o.ifaceIn, oif: o.ifaceOut };
  }
  const i = hostIface(o);
  return dir === 'in' ? { chain: 'input', iif: i } : { chain: 'output', oif: i };
}

export function flowOf(rule: FtpRule, o: ResolvedOptions): Flow {
  const p = place(o, rule.dir);
  if (rule.dir === 'in') {
    return { ...p, saddr: rule.remote, daddr: rule.local, sport: anyPort(rule.remotePort) ? undefined : rule.remotePort, dport: anyPort(rule.localPort) ? undefined : rule.localPort };
  }
  return { ...p, saddr: rule.local, daddr: rule.remote, sport: anyPort(rule.localPort) ? undefined : rule.localPort, dport: anyPort(rule.remotePort) ? undefined : rule.remotePort };
}

/**
 * Where the FTP helper is attached: the first packet of each control connection, before conntrack confirms it.
 * Server side (and a router's clients): prerouting; a client host's own connections: output.
 * `beforeDnat`: the hook runs before DNAT (iptables raw table), not after it (nftables chain at filter priority).
 */
export function helperFlow(h: HelperAssign, o: ResolvedOptions, beforeDnat = false): Flow {
  const ctl = { min: h.controlPort, max: h.controlPort };
  if (o.role === 'router') {
    // iptables' raw table runs before DNAT: there the packet is still addressed to the public address
    const daddr = beforeDnat && o.nat ? o.publicAddress : h.local;
    return h.subject === 'server'
      ? { chain: 'prerouting', iif: o.ifaceOut, daddr, dport: ctl }
      : { chain: 'prerouting', iif: o.ifaceIn, saddr: h.local, dport: ctl };
  }
  if (h.subject === 'server') return { chain: 'prerouting', iif: hostIface(o), saddr: h.remote, daddr: h.local, dport: ctl };
  return { chain: 'output', oif: hostIface(o), saddr: h.local, daddr: h.remote, dport: ctl };
}
