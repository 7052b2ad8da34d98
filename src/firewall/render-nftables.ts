// Renders a plan as nftables text for `nft -f -`: rules added to an existing table, or a standalone default-deny table. Pure.
import { familyOf, formatRange, type PortRange, type ResolvedOptions } from './options.js';
import { flowOf, helperFlow, type Flow } from './flow.js';
import type { FtpRule, Plan } from './plan.js';
import { headerLines } from './header.js';

const HELPER_NAME = 'ftpgate-ftp';

function q(s: string): string {
  // comments never contain double quotes (we write them), but be safe
  return `"${s.replace(/"/g, "'")}"`;
}

function ports(p: PortRange): string {
  return formatRange(p);
}

function addr(a: string): string {
  return familyOf(a) === 6 ? 'ip6' : 'ip';
}

/** The match part of a rule for a flow (no verdict). */
export function nftMatch(f: Flow): string {
  const m: string[] = [];
  if (f.iif) m.push(`iifname ${q(f.iif)}`);
  if (f.oif) m.push(`oifname ${q(f.oif)}`);
  if (f.saddr) m.push(`${addr(f.saddr)} saddr ${f.saddr}`);
  if (f.daddr) m.push(`${addr(f.daddr)} daddr ${f.daddr}`);
  if (f.sport || f.dport) {
    if (f.sport) m.push(`tcp sport ${ports(f.sport)}`);
    if (f.dport) m.push(`tcp dport ${ports(f.dport)}`);
  } else {
    m.push('meta l4proto tcp');
  }
  return m.join(' ');
}

function stateMatch(r: FtpRule): string {
  if (r.helper) {
    // SECURITY: only connections the FTP helper expected (announced on a control connection), not the whole port range
    return r.state === 'open' ? 'ct state related,established ct status expected' : 'ct state established ct status expected';
  }
  return r.state === 'open' ? 'ct state new,established' : 'ct state established';
}

function ftpRuleBody(r: FtpRule, o: ResolvedOptions): string {
  return `${nftMatch(flowOf(r, o))} ${stateMatch(r)} accept comment ${q(r.comment)}`;
}

interface Chains {
  helperPre: string[];
  helperOut: string[];
  dnat: string[];
  snat: string[];
  input: string[];
  output: string[];
  forward: string[];
}

function buildChains(plan: Plan, o: ResolvedOptions): Chains {
  const c: Chains = { helperPre: [], helperOut: [], dnat: [], snat: [], input: [], output: [], forward: [] };
  for (const h of plan.helpers) {
    const f = helperFlow(h, o);
    const line = `${nftMatch(f)} ct helper set ${q(HELPER_NAME)} comment ${q(h.comment)}`;
    (f.chain === 'output' ? c.helperOut : c.helperPre).push(line);
  }
  if (plan.dnat) {
    const d = plan.dnat;
    d.ports.forEach((p, i) => {
      const m: string[] = [];
      if (d.ifaceOut) m.push(`iifname ${q(d.ifaceOut)}`);
      if (d.publicAddress) m.push(`${addr(d.publicAddress)} daddr ${d.publicAddress}`);
      m.push(`tcp dport ${ports(p)}`);
      const fam = addr(d.to);
      const to = fam === 'ip6' ? `[${d.to}]` : d.to;
      c.dnat.push(`${m.join(' ')} dnat ${fam} to ${to} comment ${q(d.comment[i])}`);
    });
  }
  if (plan.serverSnat) {
    const sn = plan.serverSnat;
    const fam = addr(sn.from);
    const m = [...(sn.ifaceOut ? [`oifname ${q(sn.ifaceOut)}`] : []), `${fam} saddr ${sn.from}`];
    c.snat.push(`${m.join(' ')} ${sn.to ? `snat ${fam} to ${fam === 'ip6' ? `[${sn.to}]` : sn.to}` : 'masquerade'} comment ${q(sn.comment)}`);
  }
  if (plan.masquerade) {
    const mq = plan.masquerade;
    c.snat.push(`oifname ${q(mq.ifaceOut)} ${addr(mq.net)} saddr ${mq.net} masquerade comment ${q(mq.comment)}`);
  }
  for (const r of plan.rules) {
    const f = flowOf(r, o);
    const line = ftpRuleBody(r, o);
    if (f.chain === 'input') c.input.push(line);
    else if (f.chain === 'output') c.output.push(line);
    else c.forward.push(line);
  }
  return c;
}

function standaloneBase(o: ResolvedOptions): { input: string[]; output: string[]; forward: string[] } {
  const input = [
    `iif "lo" accept comment "loopback"`,
    `ct state invalid drop comment "packets conntrack cannot place"`,
    `ct state established,related accept comment "replies of allowed connections (and ICMP errors about them)"`,
    `icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept comment "ping and ICMP errors"`,
    `icmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "IPv6 needs ICMPv6 (neighbor discovery)"`,
    ...o.allowPorts.map((p) => `tcp dport ${p} accept comment "--allow-port ${p}"`),
  ];
  const hostOut = o.role !== 'router';
  const output = hostOut
    ? [
        `oif "lo" accept comment "loopback"`,
        `ct state invalid drop comment "packets conntrack cannot place"`,
        `ct state established,related accept comment "replies of allowed connections"`,
        `meta l4proto { icmp, ipv6-icmp } accept comment "ICMP and neighbor discovery"`,
        ...o.allowOutPorts.map((p) => `meta l4proto { tcp, udp } th dport ${p} accept comment "--allow-out-port ${p}"`),
      ]
    : [];
  const forward = o.role === 'router'
    ? [
        `ct state invalid drop comment "packets conntrack cannot place"`,
        `ct state established,related accept comment "replies of allowed connections"`,
        `meta l4proto { icmp, ipv6-icmp } ct state related accept comment "ICMP errors"`,
      ]
    : [];
  return { input, output, forward };
}

function helperObject(o: ResolvedOptions): string[] {
  const l3 = o.standalone ? 'inet' : o.nftTable.family;
  return [`ct helper ${HELPER_NAME} {`, `\ttype "ftp" protocol tcp`, `\tl3proto ${l3}`, `}`];
}

export function renderNftables(plan: Plan, o: ResolvedOptions): string {
  const c = buildChains(plan, o);
  const out: string[] = ['#!/usr/sbin/nft -f', ...headerLines(o, '# ')];
  if (o.standalone) {
    out.push(
      '# Standalone: a complete default-deny ruleset in its own table "inet ftpgate" (replaced on every load).',
      '# Load: nft -f FILE   (other tables are left alone; a drop in any table is final)',
      '',
      'table inet ftpgate',
      'delete table inet ftpgate',
      'table inet ftpgate {',
    );
    const ind = (lines: string[]) => lines.map((l) => '\t\t' + l);
    if (plan.helpers.length) out.push(...helperObject(o).map((l) => '\t' + l), '');
    const chain = (name: string, spec: string, lines: string[]) => {
      out.push(`\tchain ${name} {`, `\t\t${spec}`, ...ind(lines), '\t}', '');
    };
    if (c.helperPre.length) chain('ftp-helper-prerouting', 'type filter hook prerouting priority filter; policy accept;', c.helperPre);
    if (c.helperOut.length) chain('ftp-helper-output', 'type filter hook output priority filter; policy accept;', c.helperOut);
    if (c.dnat.length) chain('nat-prerouting', 'type nat hook prerouting priority dstnat; policy accept;', c.dnat);
    if (c.snat.length) chain('nat-postrouting', 'type nat hook postrouting priority srcnat; policy accept;', c.snat);
    const base = standaloneBase(o);
    chain('input', 'type filter hook input priority filter; policy drop;', [...base.input, ...c.input]);
    chain('forward', 'type filter hook forward priority filter; policy drop;', [...base.forward, ...c.forward]);
    const outPolicy = o.role === 'router' ? 'accept' : 'drop';
    chain('output', `type filter hook output priority filter; policy ${outPolicy};`, [...base.output, ...c.output]);
    out.pop();
    out.push('}', '');
    return out.join('\n');
  }
  const t = `${o.nftTable.family} ${o.nftTable.name}`;
  out.push(
    `# Adds rules to the existing table "${t}" (chains input, output, forward as in Debian's /etc/nftables.conf);`,
    '# nothing is flushed and no policy changes, so nobody is locked out. Load: nft -f FILE (again = rules twice).',
    '# The rules are appended: if a chain ends with an explicit drop/reject rule, insert them before it instead.',
    '',
  );
  if (plan.helpers.length) {
    out.push(`add ct helper ${t} ${HELPER_NAME} { type "ftp" protocol tcp; l3proto ${o.nftTable.family === 'ip6' ? 'ip6' : o.nftTable.family}; }`);
  }
  const addChain = (name: string, spec: string, lines: string[]) => {
    if (!lines.length) return;
    out.push(`add chain ${t} ${name} { ${spec} }`);
    for (const l of lines) out.push(`add rule ${t} ${name} ${l}`);
  };
  addChain('ftpgate-helper-prerouting', 'type filter hook prerouting priority filter; policy accept;', c.helperPre);
  addChain('ftpgate-helper-output', 'type filter hook output priority filter; policy accept;', c.helperOut);
  addChain('ftpgate-dnat', 'type nat hook prerouting priority dstnat; policy accept;', c.dnat);
  addChain('ftpgate-snat', 'type nat hook postrouting priority srcnat; policy accept;', c.snat);
  for (const [name, lines] of [['input', c.input], ['output', c.output], ['forward', c.forward]] as const) {
    for (const l of lines) out.push(`add rule ${t} ${name} ${l}`);
  }
  out.push('');
  return out.join('\n');
}
