// Renders a plan in iptables-restore format (IPv4): rules appended with --noflush, or a standalone default-deny ruleset. Pure.
import { formatRange, type PortRange, type ResolvedOptions } from './options.js';
import { flowOf, helperFlow, type Flow } from './flow.js';
import type { FtpRule, Plan } from './plan.js';
import { headerLines } from './header.js';

function q(s: string): string {
  return `"${s.replace(/"/g, "'")}"`;
}

function ports(p: PortRange): string {
  return formatRange(p, ':');
}

const CHAIN: Record<Flow['chain'], string> = { input: 'INPUT', output: 'OUTPUT', forward: 'FORWARD', prerouting: 'PREROUTING' };

export function iptMatch(f: Flow): string {
  const m: string[] = [];
  if (f.iif) m.push(`-i ${f.iif}`);
  if (f.oif) m.push(`-o ${f.oif}`);
  if (f.saddr) m.push(`-s ${f.saddr}`);
  if (f.daddr) m.push(`-d ${f.daddr}`);
  m.push('-p tcp');
  if (f.sport) m.push(`--sport ${ports(f.sport)}`);
  if (f.dport) m.push(`--dport ${ports(f.dport)}`);
  return m.join(' ');
}

function stateMatch(r: FtpRule): string {
  if (r.helper) {
    // SECURITY: only data connections the FTP helper expected from a control connection
    return (r.state === 'open' ? '-m conntrack --ctstate RELATED,ESTABLISHED' : '-m conntrack --ctstate ESTABLISHED') +
      ' --ctstatus EXPECTED -m helper --helper ftp';
  }
  return r.state === 'open' ? '-m conntrack --ctstate NEW,ESTABLISHED' : '-m conntrack --ctstate ESTABLISHED';
}

export function renderIptables(plan: Plan, o: ResolvedOptions): string {
  const raw: string[] = [];
  const nat: string[] = [];
  const filter: string[] = [];
  for (const h of plan.helpers) {
    const f = helperFlow(h, o, true);
    raw.push(`-A ${CHAIN[f.chain]} ${iptMatch(f)} -m comment --comment ${q(h.comment)} -j CT --helper ftp`);
  }
  if (plan.dnat) {
    const d = plan.dnat;
    d.ports.forEach((p, i) => {
      const m: string[] = [];
      if (d.ifaceOut) m.push(`-i ${d.ifaceOut}`);
      if (d.publicAddress) m.push(`-d ${d.publicAddress}`);
      m.push(`-p tcp --dport ${ports(p)}`);
      nat.push(`-A PREROUTING ${m.join(' ')} -m comment --comment ${q(d.comment[i])} -j DNAT --to-destination ${d.to}`);
    });
  }
  if (plan.serverSnat) {
    const sn = plan.serverSnat;
    nat.push(`-A POSTROUTING ${sn.ifaceOut ? `-o ${sn.ifaceOut} ` : ''}-s ${sn.from} -m comment --comment ${q(sn.comment)} -j ${sn.to ? `SNAT --to-source ${sn.to}` : 'MASQUERADE'}`);
  }
  if (plan.masquerade) {
    const mq = plan.masquerade;
    nat.push(`-A POSTROUTING -o ${mq.ifaceOut} -s ${mq.net} -m comment --comment ${q(mq.comment)} -j MASQUERADE`);
  }
  const ftp = plan.rules.map((r) => {
    const f = flowOf(r, o);
    return `-A ${CHAIN[f.chain]} ${iptMatch(f)} ${stateMatch(r)} -m comment --comment ${q(r.comment)} -j ACCEPT`;
  });

  const out: string[] = [...headerLines(o, '# ')];
  if (o.standalone) {
    out.push(
      '# Standalone: a complete default-deny IPv4 ruleset. Load: iptables-restore < FILE (replaces the tables below).',
      '# IPv4 only: IPv6 needs its own ip6tables ruleset.',
    );
    const router = o.role === 'router';
    filter.push(
      `-A INPUT -i lo -m comment --comment "loopback" -j ACCEPT`,
      `-A INPUT -m conntrack --ctstate INVALID -m comment --comment "packets conntrack cannot place" -j DROP`,
      `-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections (and ICMP errors about them)" -j ACCEPT`,
      `-A INPUT -p icmp --icmp-type echo-request -m comment --comment "ping" -j ACCEPT`,
      ...o.allowPorts.map((p) => `-A INPUT -p tcp --dport ${p} -m comment --comment "--allow-port ${p}" -j ACCEPT`),
    );
    if (router) {
      filter.push(
        `-A FORWARD -m conntrack --ctstate INVALID -m comment --comment "packets conntrack cannot place" -j DROP`,
        `-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j ACCEPT`,
      );
    } else {
      filter.push(
        `-A OUTPUT -o lo -m comment --comment "loopback" -j ACCEPT`,
        `-A OUTPUT -m conntrack --ctstate INVALID -m comment --comment "packets conntrack cannot place" -j DROP`,
        `-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j ACCEPT`,
        `-A OUTPUT -p icmp -m comment --comment "ICMP" -j ACCEPT`,
        ...o.allowOutPorts.flatMap((p) => ['tcp', 'udp'].map((pr) => `-A OUTPUT -p ${pr} --dport ${p} -m comment --comment "--allow-out-port ${p}" -j ACCEPT`)),
      );
    }
    filter.push(...ftp);
    if (raw.length) out.push('*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...raw, 'COMMIT');
    if (nat.length) out.push('*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ...nat, 'COMMIT');
    out.push('*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', `:OUTPUT ${router ? 'ACCEPT' : 'DROP'} [0:0]`, ...filter, 'COMMIT', '');
    return out.join('\n');
  }
  out.push(
    '# Rules to append to an existing firewall: no policy changes, nothing flushed, nobody locked out.',
    '# Load: iptables-restore --noflush < FILE',
    '#   (WITHOUT --noflush iptables-restore first flushes every table named below: always use --noflush here)',
    '# The rules are appended: if a chain ends with a DROP/REJECT rule, insert them before it (iptables -I) instead.',
  );
  if (raw.length) out.push('*raw', ...raw, 'COMMIT');
  if (nat.length) out.push('*nat', ...nat, 'COMMIT');
  out.push('*filter', ...ftp, 'COMMIT', '');
  return out.join('\n');
}
