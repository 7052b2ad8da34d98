// Renders a plan as a PowerShell script of New-NetFirewallRule calls (Windows Defender Firewall is stateful). Pure.
import type { PortRange, ResolvedOptions } from './options.js';
import { anyPort, flowOf } from './flow.js';
import type { FtpRule, Plan } from './plan.js';
import { headerLines } from './header.js';

const GROUP = 'ftpgate';

/** PowerShell single-quoted string. */
function ps(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function port(p: PortRange): string {
  return p.min === p.max ? String(p.min) : `${p.min}-${p.max}`;
}

function rule(r: FtpRule, o: ResolvedOptions): string[] {
  if (r.state === 'reply') return [`# ${r.comment}: no rule needed, Windows Firewall lets replies of allowed connections through`];
  const f = flowOf(r, o);
  const inbound = r.dir === 'in';
  const local = inbound ? { addr: f.daddr, port: f.dport } : { addr: f.saddr, port: f.sport };
  const remote = inbound ? { addr: f.saddr, port: f.sport } : { addr: f.daddr, port: f.dport };
  const args = [
    `-DisplayName ${ps('ftpgate ' + r.comment)}`,
    `-Group ${ps(GROUP)}`,
    `-Direction ${inbound ? 'Inbound' : 'Outbound'}`,
    '-Action Allow',
    '-Protocol TCP',
  ];
  if (local.port && !anyPort(local.port)) args.push(`-LocalPort ${port(local.port)}`);
  if (remote.port && !anyPort(remote.port)) args.push(`-RemotePort ${port(remote.port)}`);
  if (local.addr) args.push(`-LocalAddress ${local.addr}`);
  if (remote.addr) args.push(`-RemoteAddress ${remote.addr}`);
  if (f.iif ?? f.oif) args.push(`-InterfaceAlias ${ps((f.iif ?? f.oif)!)}`);
  return [`# ${r.comment}`, `New-NetFirewallRule ${args.join(' ')} | Out-Null`];
}

export function renderWindows(plan: Plan, o: ResolvedOptions): string {
  const out: string[] = [...headerLines(o, '# ')];
  out.push(
    '# Run in an elevated PowerShell. Undo: Remove-NetFirewallRule -Group \'ftpgate\'',
    '# Windows Defender Firewall is stateful: only the opening direction of each channel needs a rule.',
  );
  if (!o.standalone) out.push('# Adds rules only: profiles and default actions stay as they are.');
  out.push('');
  if (o.standalone) {
    out.push(
      '# Standalone: default deny in both directions on every profile (loopback is always allowed by Windows)',
      'Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled True -DefaultInboundAction Block -DefaultOutboundAction Block',
      ...o.allowPorts.flatMap((p) => [`# --allow-port ${p}`, `New-NetFirewallRule -DisplayName ${ps(`ftpgate allow port ${p}`)} -Group ${ps(GROUP)} -Direction Inbound -Action Allow -Protocol TCP -LocalPort ${p} | Out-Null`]),
      ...o.allowOutPorts.flatMap((p) => ['TCP', 'UDP'].flatMap((pr) => [`# --allow-out-port ${p} (${pr.toLowerCase()})`, `New-NetFirewallRule -DisplayName ${ps(`ftpgate allow out ${pr.toLowerCase()} ${p}`)} -Group ${ps(GROUP)} -Direction Outbound -Action Allow -Protocol ${pr} -RemotePort ${p} | Out-Null`])),
      '',
    );
  }
  if (plan.helpers.length) {
    out.push('# FTP helper: Windows stateful FTP filtering opens the data connections it reads in the control connection',
      'netsh advfirewall set global StatefulFtp enable', '');
  }
  for (const r of plan.rules) {
    if (r.helper) {
      if (r.state === 'open') out.push(`# ${r.comment.replace(', via FTP helper', '')}: opened per session by StatefulFtp`);
      continue;
    }
    out.push(...rule(r, o));
  }
  out.push('');
  return out.join('\n');
}
