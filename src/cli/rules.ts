// `ftpgate rules`: prints firewall rules for an FTP setup (stdout) and the pitfalls found (stderr); reads the server YAML and the host's port facts.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { yaml } from '../yaml-loader.js';
import {
  FORMATS, RulesOptionError, generateRules, parseActiveSourcePort, parseModes, parsePort, parsePortList, parsePortRange,
  type Format, type PortRange, type Role, type RulesOptions,
} from '../firewall/index.js';

/** Exit code for bad arguments or a bad config file (same as the other commands). */
const EXIT_USAGE = 2;

/** What `--config FILE` contributes: only the keys the rules depend on. */
export interface ServerFacts {
  controlPort?: number;
  listenHost?: string;
  pasvPorts?: PortRange;
  pasvAddress?: string;
  activeSourcePort?: 20 | 'ephemeral';
  maxConnections?: number;
}

/**
 * Reads the server's YAML keys listen, pasv_ports, pasv_address, active_source_port, max_connections.
 * Missing keys take the server's defaults (listen 127.0.0.1:2121, pasv_ports 50000-50100, active_source_port ephemeral,
 * max_connections 50) so the rules match what `ftpgate serve --config FILE` really does.
 */
export function serverFactsFromYaml(text: string, file: string): { facts: ServerFacts; notes: string[] } {
  const where = (key: string) => `--config ${file}: ${key}`;
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (e) {
    throw new RulesOptionError(`--config ${file}`, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new RulesOptionError(`--config ${file}`, 'must be a YAML mapping of keys (listen, pasv_ports, ...)');
  const raw = doc as Record<string, unknown>;
  const notes: string[] = [];
  const facts: ServerFacts = { controlPort: 2121, listenHost: '127.0.0.1', pasvPorts: { min: 50000, max: 50100 }, activeSourcePort: 'ephemeral', maxConnections: 50 };
  if (raw.listen !== undefined) {
    const list = (Array.isArray(raw.listen) ? raw.listen : [raw.listen]).map(String);
    if (list.length === 0) throw new RulesOptionError(where('listen'), 'needs at least one HOST:PORT, e.g. "0.0.0.0:21"');
    const parsed = list.map((l) => {
      const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(l.trim());
      if (!m) throw new RulesOptionError(where('listen'), `"${l}" is not HOST:PORT; write e.g. "0.0.0.0:21" or "[::]:21"`);
      return { host: m[1] ?? m[2], port: parsePort(m[3], where('listen')) };
    });
    facts.controlPort = parsed[0].port;
    facts.listenHost = parsed[0].host;
    const others = [...new Set(parsed.map((p) => p.port))].filter((p) => p !== parsed[0].port);
    if (others.length) notes.push(`${where('listen')} has several ports; rules are for the first (${parsed[0].port}), not ${others.join(', ')}`);
  }
  if (raw.pasv_ports !== undefined) {
    const r = parsePortRange(String(raw.pasv_ports), where('pasv_ports'));
    if (r.min < 1024) throw new RulesOptionError(where('pasv_ports'), `"${raw.pasv_ports}" starts below 1024; use an unprivileged range, e.g. "50000-50100"`);
    facts.pasvPorts = r;
  }
  if (raw.pasv_address !== undefined && raw.pasv_address !== null) facts.pasvAddress = String(raw.pasv_address);
  if (raw.active_source_port !== undefined) facts.activeSourcePort = parseActiveSourcePort(String(raw.active_source_port), where('active_source_port'));
  if (raw.max_connections !== undefined) {
    const n = Number(raw.max_connections);
    if (!Number.isInteger(n) || n < 1) throw new RulesOptionError(where('max_connections'), `"${raw.max_connections}" must be a whole number >= 1, e.g. 200`);
    facts.maxConnections = n;
  }
  return { facts, notes };
}

/** The Linux ephemeral range of this host, or undefined when it cannot be read. */
function readEphemeralRange(): PortRange | undefined {
  try {
    const [a, b] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(a) && Number.isInteger(b) && a >= 1 && b <= 65535 && a <= b) return { min: a, max: b };
  } catch {
    // not Linux, or no /proc: the format default applies
  }
  return undefined;
}

/** TCP ports listening on this host, from `ss -ltnH`. */
function readListeningPorts(): number[] | undefined {
  const r = spawnSync('ss', ['-ltnH'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const ports = new Set<number>();
  for (const line of r.stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    const m = local ? /:(\d+)$/.exec(local) : null;
    if (m) ports.add(Number(m[1]));
  }
  return [...ports].sort((a, b) => a - b);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface RawOpts {
  role?: string;
  modes?: string;
  controlPort?: string;
  pasvPorts?: string;
  activeSourcePort?: string;
  helper?: boolean;
  nat?: boolean;
  format: string;
  standalone?: boolean;
  allowPort?: string[];
  allowOutPort?: string[];
  serverAddress?: string;
  clientNet?: string;
  publicAddress?: string;
  ifaceIn?: string;
  ifaceOut?: string;
  config?: string;
  maxConnections?: string;
  listeningPorts?: string;
  ephemeralRange?: string;
  nftTable?: string;
}

/** Builds the generator's options from flags and the config file; throws RulesOptionError naming the flag. */
export function optionsFromCli(raw: RawOpts, readFile: (f: string) => string = (f) => readFileSync(f, 'utf8')): { options: RulesOptions; format: Format; notes: string[] } {
  const format = raw.format as Format;
  if (!FORMATS.includes(format)) throw new RulesOptionError('--format', `"${raw.format}" is not a format; use one of ${FORMATS.join(', ')}`);
  const role = (raw.role ?? 'server') as Role;
  if (!['server', 'client', 'router'].includes(role)) throw new RulesOptionError('--role', `"${raw.role}" is not a role; use server, client or router`);
  const notes: string[] = [];
  let facts: ServerFacts = {};
  if (raw.config) {
    let text: string;
    try {
      text = readFile(raw.config);
    } catch (e) {
      throw new RulesOptionError('--config', `cannot read ${raw.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give the path of the server's YAML file`);
    }
    const r = serverFactsFromYaml(text, raw.config);
    facts = r.facts;
    notes.push(...r.notes);
  }
  const options: RulesOptions = {
    role,
    modes: raw.modes !== undefined ? parseModes(raw.modes) : undefined,
    controlPort: raw.controlPort !== undefined ? parsePort(raw.controlPort, '--control-port') : facts.controlPort,
    pasvPorts: raw.pasvPorts !== undefined ? parsePortRange(raw.pasvPorts, '--pasv-ports') : facts.pasvPorts,
    activeSourcePort: raw.activeSourcePort !== undefined ? parseActiveSourcePort(raw.activeSourcePort) : facts.activeSourcePort,
    helper: raw.helper === true,
    nat: raw.nat === true,
    serverAddress: raw.serverAddress,
    clientNet: raw.clientNet,
    publicAddress: raw.publicAddress,
    ifaceIn: raw.ifaceIn,
    ifaceOut: raw.ifaceOut,
    standalone: raw.standalone === true,
    allowPorts: (raw.allowPort ?? []).flatMap((p) => parsePortList(p, '--allow-port')),
    allowOutPorts: (raw.allowOutPort ?? []).flatMap((p) => parsePortList(p, '--allow-out-port')),
    maxConnections: facts.maxConnections,
    pasvAddress: facts.pasvAddress,
    nftTable: raw.nftTable,
  };
  if (raw.maxConnections !== undefined) {
    const n = Number(raw.maxConnections);
    if (!/^\d+$/.test(raw.maxConnections.trim()) || n < 1) throw new RulesOptionError('--max-connections', `"${raw.maxConnections}" must be a whole number >= 1, e.g. 200`);
    options.maxConnections = n;
  }
  // a server listening on one specific address: its rules can name it
  if (role === 'server' && !options.serverAddress && facts.listenHost && !['0.0.0.0', '::', '', '*'].includes(facts.listenHost)) {
    options.serverAddress = facts.listenHost;
  }
  if (raw.ephemeralRange !== undefined) options.ephemeralRange = parsePortRange(raw.ephemeralRange, '--ephemeral-range');
  else if (format === 'nftables' || format === 'iptables') options.ephemeralRange = readEphemeralRange();
  if (raw.listeningPorts !== undefined) {
    if (raw.listeningPorts.trim() === 'auto') {
      const l = readListeningPorts();
      if (l) options.listeningPorts = l;
      else notes.push('--listening-ports auto: could not run `ss -ltnH`; the passive range was not checked against listening services');
    } else {
      options.listeningPorts = parsePortList(raw.listeningPorts, '--listening-ports');
    }
  }
  return { options, format, notes };
}

export function registerRules(program: Command): void {
  const cmd = program
    .command('rules')
    .description('print firewall rules for an FTP server, client or router (rules on stdout, warnings on stderr)')
    .option('--role <role>', 'server | client | router', 'server')
    .option('--modes <list>', 'data connection modes: active, passive or active,passive (default both)')
    .option('--control-port <port>', 'control port (default 21, or from --config)')
    .option('--pasv-ports <min-max>', 'passive port range (default 50000-50100, or from --config)')
    .option('--active-source-port <20|ephemeral>', 'source port of active data connections (default 20, or from --config)')
    .option('--helper', 'use the kernel FTP conntrack helper (assigned explicitly) instead of static data port ranges')
    .option('--nat', 'router: DNAT the control port (and passive range) to --server-address; masquerade --client-net')
    .option('--format <format>', `output format: ${FORMATS.join(' | ')}`, 'nftables')
    .option('--standalone', 'a complete default-deny ruleset for the host instead of rules to add to an existing firewall')
    .option('--allow-port <ports>', 'standalone: also allow these inbound TCP ports (e.g. 22), repeatable or comma-separated', collect)
    .option('--allow-out-port <ports>', 'standalone: also allow these outbound ports, TCP and UDP (e.g. 53), repeatable', collect)
    .option('--server-address <ip>', 'the FTP server\'s address (router: the internal server behind it)')
    .option('--client-net <cidr>', 'the clients\' network (router: the internal client network behind it)')
    .option('--public-address <ip>', 'router with --nat: the public address whose control port is forwarded')
    .option('--iface-in <name>', 'inside interface (towards the server or clients; on a host: the interface FTP uses)')
    .option('--iface-out <name>', 'outside interface (towards the internet)')
    .option('--config <file>', 'derive control port, passive range, active source port and connection limit from the server\'s YAML')
    .option('--max-connections <n>', 'the server\'s connection limit, for the passive range size check (default: from --config)')
    .option('--listening-ports <list|auto>', 'ports with services on the server host, checked against the passive range; auto = read `ss -ltn`')
    .option('--ephemeral-range <min-max>', 'the target host\'s ephemeral port range (default: this host\'s /proc/sys/net/ipv4/ip_local_port_range for nftables/iptables)')
    .option('--nft-table <"family name">', 'nftables without --standalone: the existing table to add to', 'inet filter')
    .addHelpText('after', `
Examples:
  ftpgate rules --role server --modes passive --pasv-ports 50000-50100 --standalone --allow-port 22 | nft -f -
  ftpgate rules --config /etc/ftpgate.yaml --format iptables > ftp.rules && iptables-restore --noflush < ftp.rules
  ftpgate rules --role router --helper --nat --server-address 10.0.0.5 --iface-out eth0 --iface-in eth1
Exit codes: 0 rules printed, 2 bad option or config file (the message names it and the fix).`)
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') process.exit(0);
      process.exit(EXIT_USAGE);
    })
    .action((raw: RawOpts) => {
      try {
        const { options, format, notes } = optionsFromCli(raw);
        const { text, warnings } = generateRules(options, format);
        for (const n of notes) process.stderr.write(`note: ${n}\n`);
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(text);
      } catch (e) {
        if (e instanceof RulesOptionError) {
          process.stderr.write(`ftpgate rules: ${e.message}\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        throw e;
      }
    });
}
