// Public API of the firewall rules generator (`ftpgate rules`): options in, rules text and pitfall warnings out. Pure, no I/O.
//
//   import { generateRules } from '../src/firewall/index.js';
//   const { text, warnings } = generateRules(
//     { role: 'server', modes: ['passive'], pasvPorts: { min: 50000, max: 50100 }, standalone: true, allowPorts: [22] },
//     'nftables',
//   );
//   // text: load with `nft -f -`; warnings: human-readable pitfalls (print them on stderr)
//
// Options (RulesOptions in options.ts; everything but `role` has a default):
//   role              'server' | 'client' | 'router'   whose FTP traffic: the server host, a client host, a router in front
//   modes             ('active'|'passive')[]          default both
//   controlPort       default 21
//   pasvPorts         {min,max} default 50000-50100 (client role: the servers' range, default any 1024-65535)
//   activeSourcePort  20 | 'ephemeral' (default 20)
//   helper            use the kernel FTP conntrack helper, assigned explicitly (nft `ct helper` object + `ct helper set`,
//                     iptables `-t raw ... -j CT --helper ftp`); data rules then accept only expected connections
//   nat               router: DNAT controlPort (+ passive range without helper) to serverAddress; masquerade clientNet
//   serverAddress, clientNet, publicAddress, ifaceIn (inside), ifaceOut (outside)
//   standalone        complete default-deny ruleset (loopback, established/related, ICMP, allowPorts) that loads as is
//                     into an empty network namespace; default: rules to ADD (no flush, no policy change)
//   allowPorts, allowOutPorts, maxConnections, ephemeralRange, listeningPorts, pasvAddress, nftTable ("inet filter")
// Formats: nftables (nft -f), iptables (iptables-restore; --noflush unless standalone), pf (OpenBSD pf.conf),
//   cisco (IOS extended named ACLs), h3c (Comware advanced ACLs), windows (PowerShell New-NetFirewallRule).
// Every FTP rule carries a comment naming its channel: ch1 control in, ch2 control replies, ch3 data out, ch4 data in.
// Bad options throw RulesOptionError (code FTPGATE_ERR_FIREWALL_BAD_OPTION, `.option` = the CLI flag).
import {
  FORMATS, IANA_EPHEMERAL, LINUX_EPHEMERAL, RulesOptionError, UNPRIVILEGED, familyOf, resolveOptions,
  type Format, type PortRange, type ResolvedOptions, type RulesOptions,
} from './options.js';
import { planRules, type Plan } from './plan.js';
import { pitfallWarnings } from './warnings.js';
import { renderNftables } from './render-nftables.js';
import { renderIptables } from './render-iptables.js';
import { renderPf } from './render-pf.js';
import { renderCisco } from './render-cisco.js';
import { renderH3c } from './render-h3c.js';
import { renderWindows } from './render-windows.js';

export * from './options.js';
export type { Plan, FtpRule, Channel } from './plan.js';
export { planRules } from './plan.js';

export interface GeneratedRules {
  text: string;
  warnings: string[];
}

/** The ephemeral range assumed for the protected host when none is given: Linux for nft/iptables, IANA for pf/Windows. */
export function defaultEphemeral(format: Format): PortRange {
  if (format === 'nftables' || format === 'iptables') return LINUX_EPHEMERAL;
  if (format === 'pf' || format === 'windows') return IANA_EPHEMERAL;
  return UNPRIVILEGED;
}

function checkFormat(o: ResolvedOptions, format: Format): void {
  if (!FORMATS.includes(format)) throw new RulesOptionError('--format', `"${String(format)}" is not a format; use one of ${FORMATS.join(', ')}`);
  if (format === 'iptables' || format === 'cisco' || format === 'h3c') {
    const v6: [string, string | undefined][] = [['--server-address', o.serverAddress], ['--client-net', o.clientNet], ['--public-address', o.publicAddress]];
    for (const [flag, v] of v6) {
      if (v && familyOf(v) === 6) {
        throw new RulesOptionError(flag, `${v} is IPv6, but the ${format} format is IPv4 only; use --format nftables${format === 'iptables' ? '' : ' or pf'} for IPv6`);
      }
    }
  }
  if (format === 'windows' && o.role === 'router') {
    throw new RulesOptionError('--role', 'the windows format is for a host firewall; use --role server or --role client (routers: nftables, iptables, pf, cisco, h3c)');
  }
}

/** Resolve, plan and render: the one call other modules (the CLI, the lab) use. */
export function generateRules(options: RulesOptions, format: Format): GeneratedRules {
  const o = resolveOptions(options);
  checkFormat(o, format);
  const ephemeral = o.ephemeralRange ?? defaultEphemeral(format);
  // pf on a host has no FTP helper: fall back to static openings (warned)
  const eff: ResolvedOptions = format === 'pf' && o.helper && o.role !== 'router' ? { ...o, helper: false } : o;
  const plan: Plan = planRules(eff, { ephemeral });
  const warnings = pitfallWarnings(o, format, ephemeral);
  let text: string;
  switch (format) {
    case 'nftables': text = renderNftables(plan, eff); break;
    case 'iptables': text = renderIptables(plan, eff); break;
    case 'pf': text = renderPf(plan, eff, o.helper); break;
    case 'cisco': text = renderCisco(plan, eff); break;
    case 'h3c': text = renderH3c(plan, eff); break;
    case 'windows': text = renderWindows(plan, eff); break;
  }
  return { text, warnings };
}
