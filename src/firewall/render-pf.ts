// Renders a plan as OpenBSD pf.conf rules (stateful: replies ride on the state of the opening rule). Pure.
import { familyOf, type PortRange, type ResolvedOptions } from './options.js';
import { anyPort, flowOf, hostIface } from './flow.js';
import type { FtpRule, Plan } from './plan.js';
import { headerLines } from './header.js';

function port(p: PortRange | undefined): string {
  if (!p || anyPort(p)) return '';
  if (p.min === 1024 && p.max === 65535) return ' port > 1023';
  return p.min === p.max ? ` port ${p.min}` : ` port ${p.min}:${p.max}`;
}

function host(a: string | undefined): string {
  return a ?? 'any';
}

function af(...addrs: (string | undefined)[]): string {
  const a = addrs.find(Boolean);
  if (!a) return '';
  return familyOf(a) === 6 ? ' inet6' : ' inet';
}

function ftpRule(r: FtpRule, o: ResolvedOptions): string[] {
  const f = flowOf(r, o);
  if (r.state === 'reply') return [`# ${r.comment}: no rule needed, pf keeps state for the connection opened above`];
  let head: string;
  if (o.role === 'router') {
    const ifs = [o.ifaceIn, o.ifaceOut].filter(Boolean) as string[];
    head = 'pass' + (ifs.length === 2 ? ` on { ${ifs.join(' ')} }` : ifs.length === 1 ? ` on ${ifs[0]}` : '');
  } else {
    const i = hostIface(o);
    head = `pass ${r.dir}` + (i ? ` on ${i}` : '');
  }
  return [`# ${r.comment}`, `${head}${af(f.saddr, f.daddr)} proto tcp from ${host(f.saddr)}${port(f.sport)} to ${host(f.daddr)}${port(f.dport)}`];
}

export function renderPf(plan: Plan, o: ResolvedOptions, helperRequested: boolean): string {
  const out: string[] = [...headerLines(o, '# ')];
  const router = o.role === 'router';
  const proxy = router && helperRequested;
  if (o.standalone) {
    out.push('# Standalone pf.conf: default deny in both directions. Check: pfctl -nf FILE; load: pfctl -f FILE', '');
    out.push('set skip on lo', '');
  } else {
    out.push('# Append to /etc/pf.conf (pass rules without quick: the last matching rule wins), then: pfctl -nf /etc/pf.conf && pfctl -f /etc/pf.conf', '');
  }
  if (plan.dnat) {
    const d = plan.dnat;
    d.ports.forEach((p, i) => {
      const on = d.ifaceOut ? ` on ${d.ifaceOut}` : '';
      const to = d.publicAddress ?? (d.ifaceOut ? `(${d.ifaceOut})` : 'any');
      out.push(`# ${d.comment[i]}`, `match in${on}${af(d.to)} proto tcp to ${to}${port(p)} rdr-to ${d.to}`);
    });
  }
  if (plan.serverSnat) {
    const sn = plan.serverSnat;
    const on = sn.ifaceOut ? ` on ${sn.ifaceOut}` : '';
    out.push(`# ${sn.comment}`, `match out${on}${af(sn.from)} from ${sn.from} nat-to ${sn.to ?? `(${sn.ifaceOut})`}`);
  }
  if (plan.masquerade) {
    const m = plan.masquerade;
    out.push(`# ${m.comment}`, `match out on ${m.ifaceOut}${af(m.net)} from ${m.net} nat-to (${m.ifaceOut})`);
  }
  if (plan.dnat || plan.masquerade) out.push('');
  if (o.standalone) {
    out.push(
      '# default deny, both directions (states let replies through)',
      'block log all',
      '# ping and ICMP errors',
      'pass inet proto icmp icmp-type { echoreq, unreach, timex, paramprob }',
      '# IPv6 needs ICMPv6 (neighbor discovery)',
      'pass inet6 proto icmp6',
      ...o.allowPorts.flatMap((p) => [`# --allow-port ${p}`, `pass in proto tcp to ${router ? '(self)' : 'any'} port ${p}`]),
      ...o.allowOutPorts.flatMap((p) => [`# --allow-out-port ${p}`, `pass out proto { tcp udp } to any port ${p}`]),
      ...(router ? ['# the router\'s own outgoing traffic', 'pass out from (self)'] : []),
      '',
    );
  }
  if (proxy) {
    out.push(
      '# FTP helper: pf\'s is the ftp-proxy(8) daemon; it adds the data connection rules per session into this anchor',
      ...(o.clientNet ? ['#   clients behind this router: rcctl enable ftpproxy && rcctl start ftpproxy'] : []),
      ...(o.serverAddress ? [`#   server behind this router (reverse mode): ftp-proxy -R ${o.serverAddress} -p 8021`] : []),
      'anchor "ftp-proxy/*"',
    );
    if (o.clientNet) {
      out.push(`# ch1/4 control from the clients, diverted to ftp-proxy`, `pass in quick${o.ifaceIn ? ` on ${o.ifaceIn}` : ''}${af(o.clientNet)} proto tcp from ${o.clientNet} to any port ${o.controlPort} divert-to 127.0.0.1 port 8021`);
    }
    if (o.serverAddress && !o.clientNet) {
      out.push(`# ch1/4 control to the server, diverted to ftp-proxy -R`, `pass in quick${o.ifaceOut ? ` on ${o.ifaceOut}` : ''} proto tcp to ${o.publicAddress ?? 'any'} port ${o.controlPort} divert-to 127.0.0.1 port 8021`);
    }
    out.push('# ftp-proxy\'s own control connections', `pass out proto tcp from (self) to any port ${o.controlPort}`, '');
  }
  for (const r of plan.rules) {
    if (proxy && r.mode !== 'control') {
      if (r.state === 'open') out.push(`# ${r.comment}: opened per session by ftp-proxy in anchor ftp-proxy/*`);
      continue;
    }
    out.push(...ftpRule(r, o));
  }
  out.push('');
  return out.join('\n');
}
