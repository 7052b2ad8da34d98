// Diagnostics: try PASV, EPSV, PORT and EPRT one by one, in clear and with TLS, and explain each failure with its likely cause and fix.
import { Client, type ClientOptions } from './client.js';
import { DataConnectError, type DataCommand } from './data-channel.js';
import { ModeMemory } from './mode-memory.js';
import { ErrorCodes } from '../protocol/errors.js';

export interface ProbeResult {
  tls: boolean;
  command: DataCommand;
  ok: boolean;
  /** ok but with something to fix (e.g. PASV named a wrong address). */
  warning: boolean;
  detail: string;
  /** For data-connection failures: refused, timeout, unreachable, rejected (by the server), no-connection (active). */
  failure?: string;
}

export interface Finding {
  title: string;
  cause: string;
  fix: string;
}

export interface DoctorReport {
  target: string;
  control: { ok: boolean; detail: string };
  tls: 'implicit' | 'offered' | 'not offered' | 'failed';
  tlsDetail?: string;
  probes: ProbeResult[];
  findings: Finding[];
  /** What to use with this server, from what worked (preferring TLS, then passive EPSV). */
  recommendation?: string;
}

const COMMANDS: DataCommand[] = ['PASV', 'EPSV', 'PORT', 'EPRT'];

export interface DoctorOptions {
  /** Directory to list in each probe (default: the login directory). */
  path?: string;
  onProbe?: (p: ProbeResult) => void;
}

function plural(n: number): string { return n === 1 ? '1 entry' : `${n} entries`; }

function kindOf(cmd: DataCommand) { return cmd === 'PASV' || cmd === 'EPSV' ? 'passive' as const : 'active' as const; }

async function probe(base: ClientOptions, tls: boolean, cmd: DataCommand, path: string): Promise<{ result: ProbeResult; err?: unknown; client?: Client }> {
  const opts: ClientOptions = {
    ...base,
    secure: base.secure === 'implicit' ? 'implicit' : tls ? 'explicit' : false,
    mode: kindOf(cmd),
    dataCommand: cmd,
    modeMemory: new ModeMemory(),
  };
  let c: Client | undefined;
  try {
    c = await Client.connect(opts);
    const entries = await c.list(path);
    const n = c.notes;
    const warning = cmd === 'PASV' && n.pasvMismatch === true;
    const detail = warning
      ? `227 named ${n.pasvAdvertised}; connected to ${base.host} instead (${plural(entries.length)} listed)`
      : `listed ${plural(entries.length)}`;
    return { result: { tls, command: cmd, ok: true, warning, detail }, client: c };
  } catch (err) {
    const failure = err instanceof DataConnectError ? err.failure : undefined;
    return { result: { tls, command: cmd, ok: false, warning: false, detail: (err as Error).message, failure }, err, client: c };
  } finally {
    await c?.close().catch(() => {});
  }
}

function passiveFinding(cmd: DataCommand, err: DataConnectError, host: string): Finding {
  const rangeFix = 'open the passive port range on the server firewall and configure the same range in the server — e.g. `nft add rule inet filter input tcp dport 50000-50100 accept` with vsftpd `pasv_min_port=50000` / `pasv_max_port=50100`, ProFTPD `PassivePorts 50000 50100`, pure-ftpd `-p 50000:50100`, ftpgate serve `--pasv-ports 50000-50100`; meanwhile use active mode (`--mode active`, or the default `--mode auto`)';
  if (err.failure === 'refused') {
    return {
      title: `${cmd}: the passive data connection to ${host} was refused`,
      cause: 'nothing accepts connections on the passive port the server announced: a firewall in front of the server rejects connections to its passive port range (ports above 1024), or the server announces a port it does not listen on',
      fix: rangeFix,
    };
  }
  if (err.failure === 'timeout' || err.failure === 'unreachable') {
    return {
      title: `${cmd}: the passive data connection to ${host} got no answer`,
      cause: 'connections to the passive port are silently dropped: the server\'s firewall does not open its passive port range (a packet filter that does not inspect the FTP control connection cannot know which port to open)',
      fix: rangeFix,
    };
  }
  const code = err.serverReply?.code;
  return {
    title: `${cmd}: the server refused the command${code ? ` (${code} ${err.serverReply!.message})` : ''}`,
    cause: code === 502 || code === 500 || code === 504 ? `the server does not implement ${cmd} or has passive mode disabled` : `the server could not set up passive mode: ${err.message}`,
    fix: cmd === 'EPSV' ? 'use PASV or active mode (auto mode does this by itself); servers need EPSV for IPv6' : 'enable passive mode on the server (vsftpd `pasv_enable=YES`), or use active mode (`--mode active`)',
  };
}

function activeFinding(cmd: DataCommand, err: DataConnectError, host: string, range: string): Finding {
  const code = err.serverReply?.code;
  if (err.failure === 'rejected' && code && code !== 425) {
    if (code === 500 || code === 502) {
      return { title: `${cmd}: the server refused the command (${code})`, cause: `the server does not implement ${cmd} or has active mode disabled`, fix: 'use passive mode (`--mode passive`); or enable active mode on the server (vsftpd `port_enable=YES`)' };
    }
    return {
      title: `${cmd}: the server refused the address we announced (${code} ${err.serverReply!.message})`,
      cause: 'the server only connects back to the address the control connection comes from (protection against FTP bounce); the announced address differs — this client is behind NAT, or --active-address is wrong',
      fix: 'announce the address the server sees (`--active-address PUBLIC_IP`, with a port forward for `--active-ports`), or use passive mode',
    };
  }
  return {
    title: `${cmd}: the server never connected back to us`,
    cause: `the active data connection from ${host} to this client was blocked: a firewall or NAT in front of this client drops inbound connections to high ports (to the client firewall it looks like an outside system opening a connection to an inside host); or the server's own firewall blocks its outgoing connections (from port 20 or a high port)`,
    fix: `use passive mode (the default auto mode falls back by itself); or allow inbound TCP from the server to a fixed port range on this client, e.g. \`nft add rule inet filter input ip saddr ${host} tcp dport ${range} accept\` and \`--active-ports ${range}\` (behind NAT also forward that range and pass \`--active-address PUBLIC_IP\`)`,
  };
}

/** Add a finding; one with the same cause and fix as an earlier one is merged into it ("PORT, EPRT: …"). */
function addFinding(list: Finding[], f: Finding): void {
  const same = list.find((x) => x.cause === f.cause && x.fix === f.fix);
  if (!same) { list.push(f); return; }
  const cmd = /^([A-Z]{4})\b/.exec(f.title)?.[1];
  if (cmd && /^[A-Z]{4}(, [A-Z]{4})*\b/.test(same.title) && !same.title.startsWith(cmd)) same.title = same.title.replace(/^([A-Z]{4}(?:, [A-Z]{4})*)/, `$1, ${cmd}`);
}

export async function runDoctor(base: ClientOptions, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const path = opts.path ?? '';
  const activeRange = base.activePorts ? `${base.activePorts.min}-${base.activePorts.max}` : '54000-54999';
  const report: DoctorReport = { target: `${base.host}:${base.port ?? 21}`, control: { ok: false, detail: '' }, tls: base.secure === 'implicit' ? 'implicit' : 'not offered', probes: [], findings: [] };

  // Control connection and login first: without them nothing else can be tested.
  let first: Client;
  try {
    first = await Client.connect({ ...base, secure: base.secure === 'implicit' ? 'implicit' : false, modeMemory: new ModeMemory() });
  } catch (err) {
    const e = err as Error & { code?: string };
    report.control = { ok: false, detail: e.message };
    report.findings.push(e.code === ErrorCodes.CLIENT_LOGIN
      ? { title: 'login refused', cause: 'wrong user name or password, or the server allows this user only over TLS', fix: 'check the credentials (URL, ~/.netrc); try --tls' }
      : { title: 'no control connection', cause: `${e.message}: the server is down, or a firewall blocks its control port (21 or the one in the URL)`, fix: 'check the host and port; open the control port in the firewalls on the way (`nft add rule inet filter input tcp dport 21 accept` on the server)' });
    return report;
  }
  report.control = { ok: true, detail: `${first.welcome.split('\n')[0]} — logged in as ${base.user ?? 'anonymous'}` };
  const authTls = [...first.features.entries()].some(([k, v]) => k === 'AUTH' && /\bTLS\b/i.test(v));
  await first.close().catch(() => {});

  const variants: boolean[] = base.secure === 'implicit' ? [true] : [false, true];
  for (const tls of variants) {
    if (tls && base.secure !== 'implicit') {
      // Is explicit TLS possible at all? (FEAT may not list AUTH; try it.)
      try {
        const t = await Client.connect({ ...base, secure: 'explicit', modeMemory: new ModeMemory() });
        await t.close().catch(() => {});
        report.tls = 'offered';
      } catch (err) {
        report.tls = authTls ? 'failed' : 'not offered';
        report.tlsDetail = (err as Error).message;
        if (authTls) {
          report.findings.push({
            title: 'the server offers AUTH TLS but the TLS handshake failed',
            cause: /certificate|self[- ]signed|verify|altnames/i.test(report.tlsDetail) ? 'the server certificate is not trusted by this client (self-signed, private CA, or issued for another name)' : `TLS failed: ${report.tlsDetail}`,
            fix: 'pass the server\'s CA with --tls-ca FILE (or a certificate issued for the name you connect to); --insecure skips verification (unsafe)',
          });
        }
        break;
      }
    }
    for (const cmd of COMMANDS) {
      const { result, err } = await probe(base, tls, cmd, path);
      report.probes.push(result);
      opts.onProbe?.(result);
      if (result.warning && cmd === 'PASV') {
        report.findings.push({
          title: `PASV: the server announces ${result.detail.split(' ')[2].replace(/;$/, '')} as its data address, not ${base.host}`,
          cause: 'the server is behind NAT without a passive (masquerade) address configured: it announces its private, internal address, which clients outside cannot reach',
          fix: `set the server's external address for passive replies: vsftpd \`pasv_address=${base.host}\`, ProFTPD \`MasqueradeAddress ${base.host}\`, pure-ftpd \`-P ${base.host}\`, pyftpdlib \`masquerade_address\` (-n), ftpgate serve \`--pasv-address ${base.host}\`; this client already works around it by connecting to the server address (EPSV avoids the problem)`,
        });
      }
      // With TLS, a failure where the same command worked in clear is explained once, below (firewall FTP helper).
      const clearOk = tls && err instanceof DataConnectError && err.failure !== 'rejected' && report.probes.some((p) => !p.tls && p.command === cmd && p.ok);
      if (!result.ok && !clearOk) {
        if (err instanceof DataConnectError) addFinding(report.findings, kindOf(cmd) === 'passive' ? passiveFinding(cmd, err, base.host) : activeFinding(cmd, err, base.host, activeRange));
        else addFinding(report.findings, { title: `${cmd}${tls ? ' with TLS' : ''}: ${(err as Error).message}`, cause: tls ? 'the TLS data connection failed (certificate, or the server requires TLS session reuse)' : 'see the message', fix: tls ? 'pass --tls-ca for a private CA; this client reuses the TLS session on data connections' : 'run with -v to see the FTP conversation' });
      }
    }
  }
  // Clear works, TLS fails: a firewall helper that reads PORT/PASV from the control connection.
  for (const cmd of COMMANDS) {
    const clear = report.probes.find((p) => !p.tls && p.command === cmd);
    const enc = report.probes.find((p) => p.tls && p.command === cmd);
    if (clear?.ok && enc && !enc.ok && enc.failure !== undefined && enc.failure !== 'rejected') {
      addFinding(report.findings, {
        title: `${cmd} works in clear but not with TLS`,
        cause: 'a firewall FTP helper (Linux conntrack nf_conntrack_ftp, or a router\'s FTP ALG) opens data ports by reading PORT/PASV replies on the control connection; with TLS the control connection is encrypted, the helper cannot read it, and the data connection is blocked',
        fix: kindOf(cmd) === 'passive'
          ? 'open the server\'s passive port range explicitly in its firewall instead of relying on the helper (e.g. `nft add rule inet filter input tcp dport 50000-50100 accept`, same range in the server configuration)'
          : `allow inbound TCP from the server to a fixed active port range on this client (\`--active-ports ${activeRange}\` and \`nft add rule inet filter input ip saddr ${base.host} tcp dport ${activeRange} accept\`), or use passive mode`,
      });
    }
  }
  const order: Array<[boolean, DataCommand]> = [[true, 'EPSV'], [true, 'PASV'], [true, 'EPRT'], [true, 'PORT'], [false, 'EPSV'], [false, 'PASV'], [false, 'EPRT'], [false, 'PORT']];
  for (const [tls, cmd] of order) {
    const p = report.probes.find((x) => x.tls === tls && x.command === cmd && x.ok && !x.warning);
    if (!p) continue;
    const tlsFlag = tls ? (base.secure === 'implicit' ? 'ftps:// ' : '--tls ') : '';
    report.recommendation = `${tlsFlag}--mode ${kindOf(cmd)} (${cmd} works${tls ? ' with TLS' : ''}); the default --mode auto finds it by itself`;
    break;
  }
  return report;
}

/** Render the report as a table plus findings (plain text, for terminals and logs). */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`server:  ${r.target}`);
  lines.push(`control: ${r.control.ok ? 'ok' : 'FAILED'} — ${r.control.detail}`);
  lines.push(`TLS:     ${r.tls}${r.tlsDetail ? ` — ${r.tlsDetail}` : ''}`);
  if (r.probes.length) {
    lines.push('');
    lines.push('TLS  MODE     COMMAND  RESULT  DETAIL');
    for (const p of r.probes) {
      const res = p.ok ? (p.warning ? 'WARN' : 'ok') : 'FAIL';
      lines.push(`${(p.tls ? 'yes' : 'no').padEnd(4)} ${kindOf(p.command).padEnd(8)} ${p.command.padEnd(8)} ${res.padEnd(7)} ${p.detail}`);
    }
  }
  if (r.findings.length) {
    lines.push('');
    lines.push('Findings:');
    r.findings.forEach((f, i) => {
      lines.push(`${i + 1}. ${f.title}`);
      lines.push(`   likely cause: ${f.cause}`);
      lines.push(`   fix: ${f.fix}`);
    });
  } else lines.push('', 'No problems found.');
  if (r.recommendation) lines.push('', `Recommended: ${r.recommendation}`);
  else if (r.control.ok && r.probes.length) lines.push('', 'No data connection worked in any mode: fix one of the findings above first.');
  return lines.join('\n') + '\n';
}
