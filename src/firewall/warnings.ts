// The seeds' pitfalls as warnings: passive range too small or overlapping ephemeral ports or services, explicit helper, NAT, decoys. Pure.
import { formatRange, rangeSize, rangesOverlap, type Format, type PortRange, type ResolvedOptions } from './options.js';

/** Warnings for a setup; `ephemeral` is the protected host's ephemeral range the rules were planned with. */
export function pitfallWarnings(o: ResolvedOptions, format: Format, ephemeral: PortRange): string[] {
  const w: string[] = [];
  const serverSide = o.role === 'server' || (o.role === 'router' && !!o.serverAddress);
  const clientSide = o.role === 'client' || (o.role === 'router' && !!o.clientNet);
  const passive = o.modes.includes('passive');
  const active = o.modes.includes('active');
  const pr = formatRange(o.pasvPorts);

  if (serverSide && passive) {
    const size = rangeSize(o.pasvPorts);
    if (o.maxConnections !== undefined && size < 2 * o.maxConnections) {
      w.push(`passive range ${pr} has ${size} ports for up to ${o.maxConnections} connections (--max-connections): ` +
        `every passive transfer holds one port, and a closed data connection keeps its port in TIME_WAIT for a minute or more, ` +
        `so under load the range runs out (port exhaustion: clients see "425 Can't open data connection" although the firewall is right). ` +
        `Use at least ${2 * o.maxConnections} ports, e.g. --pasv-ports ${o.pasvPorts.min}-${Math.min(65535, o.pasvPorts.min + 2 * o.maxConnections - 1)}, or lower max_connections.`);
    }
    if (o.role === 'server' && rangesOverlap(o.pasvPorts, ephemeral)) {
      w.push(`passive range ${pr} overlaps the ephemeral port range ${formatRange(ephemeral)} of this host: ` +
        `any program's outgoing connection may take one of these ports (the server then cannot listen on it), and the firewall opening ` +
        `lets the outside reach whatever binds there. Choose a range outside it (e.g. ${suggestRange(o.pasvPorts, ephemeral)}) ` +
        `or reserve it (Linux: sysctl net.ipv4.ip_local_reserved_ports=${o.pasvPorts.min}-${o.pasvPorts.max}).`);
    }
    if (!o.helper) {
      const inside = o.listeningPorts.filter((p) => p >= o.pasvPorts.min && p <= o.pasvPorts.max);
      if (inside.length > 0) {
        w.push(`listening service${inside.length > 1 ? 's' : ''} on port${inside.length > 1 ? 's' : ''} ${inside.join(', ')} inside the passive range ${pr}: ` +
          `the passive rule opens ${inside.length > 1 ? 'them' : 'it'} to everyone who may reach the FTP server (the seeds' "CAUTION!!!!"). ` +
          `Move the service or the passive range, or use --helper so that only announced data connections get in.`);
      }
    }
    if (size > 10000) {
      w.push(`passive range ${pr} opens ${size} ports: any service listening in it becomes reachable (the decoy problem of "open all ports above 1023"). ` +
        `A few hundred ports are enough for most servers (rule of thumb: 2 x max_connections).`);
    }
  }
  if (o.helper) {
    w.push(`the FTP conntrack helper is assigned explicitly by these rules (${helperHow(format)}): automatic assignment is off ` +
      `in modern kernels (nf_conntrack_helper=0 since Linux 4.7), so "ct state related" alone never matches FTP data connections. ` +
      `The helper cannot read an encrypted control connection: FTPS (AUTH TLS) needs the static passive range (omit --helper).`);
  }
  if (serverSide && active && o.activeSourcePort === 'ephemeral' && !o.helper) {
    w.push(`--active-source-port ephemeral: the server opens active data connections from any port of ${formatRange(o.role === 'server' ? ephemeral : { min: 1024, max: 65535 })}, ` +
      `so the outgoing rule lets any program on the host connect to high ports. Use --active-source-port 20 (active_source_port: 20) or --helper.`);
  }
  if (clientSide && active && !o.helper) {
    w.push(`active mode on the client side without --helper lets any host that picks source port ${o.activeSourcePort === 20 ? '20' : '1024-65535'} ` +
      `connect to the clients' ephemeral ports (anyone can choose source port 20). Prefer passive mode for clients behind a firewall, or --helper.`);
  }
  if (o.role === 'router' && o.nat && o.clientNet && active && !o.helper) {
    w.push(`active mode through masquerade (many-to-one NAT) fails without --helper: the client's PORT/EPRT names its private address, ` +
      `which the server refuses (or cannot reach). Use --helper (the kernel's FTP NAT helper rewrites PORT) or passive mode.`);
  }
  if (o.role === 'router' && o.nat && o.serverAddress && passive) {
    if (!o.helper) {
      w.push(`server behind DNAT without --helper: the server must advertise the public address in PASV replies ` +
        `(pasv_address: ${o.publicAddress ?? 'PUBLIC-ADDRESS'}) and the passive range ${pr} is forwarded to it` +
        `${o.pasvAddress ? '' : '; the server config has no pasv_address, so clients would be sent the private address and fail'}.`);
    } else {
      w.push(`server behind DNAT with --helper: the kernel's FTP NAT helper rewrites the private address in PASV replies; ` +
        `this needs the nf_nat_ftp module and an unencrypted control connection (no FTPS).`);
    }
  }
  if ((format === 'cisco' || format === 'h3c') && o.nat) {
    w.push(`--nat is not rendered for ${format}: configure the static NAT (control port${passive && !o.helper ? ' and passive range' : ''}) on the device; the ACLs match the inside addresses.`);
  }
  if (format === 'pf' && o.helper && o.role !== 'router') {
    w.push(`pf has no in-kernel FTP helper for a host's own connections: the rules open the static ports instead (pf's FTP support is ftp-proxy(8) on a router).`);
  }
  if (format === 'windows' && o.helper) {
    w.push(`Windows stateful FTP (netsh advfirewall set global StatefulFtp enable) is documented for FTP clients and the IIS FTP service; ` +
      `for another server program open the passive range instead (omit --helper).`);
  }
  if (!o.standalone && (o.allowPorts.length || o.allowOutPorts.length)) {
    w.push(`--allow-port/--allow-out-port only apply with --standalone (an existing firewall already decides about other services); they were ignored.`);
  }
  if (format === 'iptables' && o.standalone) {
    w.push(`iptables rules are IPv4 only: IPv6 stays unfiltered unless you also load an ip6tables ruleset (or use --format nftables, which covers both).`);
  }
  return w;
}

function helperHow(format: Format): string {
  switch (format) {
    case 'nftables': return 'a ct helper object of type "ftp" and "ct helper set" on control connections';
    case 'iptables': return 'the raw table target -j CT --helper ftp on control connections';
    case 'pf': return 'ftp-proxy(8) divert rules';
    case 'cisco': return 'ip inspect name ... ftp';
    case 'h3c': return 'ASPF detect ftp';
    case 'windows': return 'netsh advfirewall set global StatefulFtp enable';
  }
}

/** A range of the same size just below the ephemeral range (or above it), for the overlap warning. */
function suggestRange(p: PortRange, eph: PortRange): string {
  const size = rangeSize(p);
  if (eph.min - size >= 1024) return `${eph.min - size}-${eph.min - 1}`;
  if (eph.max + size <= 65535) return `${eph.max + 1}-${eph.max + size}`;
  return '(none free: shrink the ephemeral range)';
}
