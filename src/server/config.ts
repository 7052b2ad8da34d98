// Server configuration: defaults, the YAML file, CLI flags (every key is both), and validation with messages naming key and fix.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { yaml } from '../yaml-loader.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { isValidCidr } from '../protocol/host-port.js';
import type { UserSpec } from './users.js';
import type { LogEvent } from './log.js';

export interface ListenAddress { host: string; port: number }
export interface PasvOverride { cidr: string; address: string }

export interface ServerConfig {
  listen: ListenAddress[];
  root: string;
  users: UserSpec[];
  usersFile?: string;
  anonymous: boolean;
  anonymousWrite: boolean;
  pasvPorts: { min: number; max: number };
  pasvAddress?: string;
  pasvAddressOverrides: PasvOverride[];
  activeSourcePort: 20 | 'ephemeral';
  // SECURITY: the bounce and data-theft protections are on by default; relaxing them is explicit.
  allowForeignActive: boolean;
  allowPrivilegedActive: boolean;
  allowForeignPassive: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxLoginFailures: number;
  /** Seconds without a command before the control connection is closed. */
  idleTimeout: number;
  /** Seconds to wait for a data connection to be made. */
  dataTimeout: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Refuse USER before AUTH TLS (and PROT C data) when TLS is configured. */
  requireTls: boolean;
  /** Keep the received part of an interrupted upload of a new file (so clients can resume). */
  keepPartialUploads: boolean;
  banner: string;
  logFile?: string;
  logger?: (e: LogEvent) => void;
}

export const DEFAULTS: Omit<ServerConfig, 'root'> = {
  listen: [{ host: '127.0.0.1', port: 2121 }],
  users: [],
  anonymous: false,
  anonymousWrite: false,
  pasvPorts: { min: 50000, max: 50100 },
  pasvAddressOverrides: [],
  activeSourcePort: 'ephemeral',
  allowForeignActive: false,
  allowPrivilegedActive: false,
  allowForeignPassive: false,
  maxConnections: 50,
  maxConnectionsPerIp: 10,
  maxLoginFailures: 3,
  idleTimeout: 300,
  dataTimeout: 30,
  requireTls: false,
  keepPartialUploads: true,
  banner: 'ftpgate ready',
};

/** The table of keys: YAML name, CLI flag and how to parse a string value. One source for both. */
export const CONFIG_KEYS = [
  { key: 'listen', yaml: 'listen', flag: '--listen <host:port>', help: 'address to listen on, repeatable; IPv6 as [::1]:2121', repeat: true },
  { key: 'root', yaml: 'root', flag: '--root <dir>', help: 'directory to serve (created if missing)' },
  { key: 'users', yaml: 'user', flag: '--user <name:password>', help: 'a user with a plain password, repeatable (quick start)', repeat: true },
  { key: 'usersFile', yaml: 'users_file', flag: '--users <file>', help: 'users file with scrypt hashes (see `ftpgate passwd`)' },
  { key: 'anonymous', yaml: 'anonymous', flag: '--anonymous', help: 'allow anonymous read-only login', bool: true },
  { key: 'anonymousWrite', yaml: 'anonymous_write', flag: '--anonymous-write', help: 'let anonymous users upload', bool: true },
  { key: 'pasvPorts', yaml: 'pasv_ports', flag: '--pasv-ports <min-max>', help: 'passive port range' },
  { key: 'pasvAddress', yaml: 'pasv_address', flag: '--pasv-address <host>', help: 'address advertised in PASV replies (server behind NAT)' },
  { key: 'activeSourcePort', yaml: 'active_source_port', flag: '--active-source-port <20|ephemeral>', help: 'source port of active data connections' },
  { key: 'allowForeignActive', yaml: 'allow_foreign_active', flag: '--allow-foreign-active', help: 'INSECURE: allow PORT/EPRT to other hosts than the client (FXP, bounce)', bool: true },
  { key: 'allowPrivilegedActive', yaml: 'allow_privileged_active', flag: '--allow-privileged-active', help: 'INSECURE: allow PORT/EPRT to ports below 1024', bool: true },
  { key: 'allowForeignPassive', yaml: 'allow_foreign_passive', flag: '--allow-foreign-passive', help: 'INSECURE: accept passive data connections from other addresses than the client', bool: true },
  { key: 'maxConnections', yaml: 'max_connections', flag: '--max-connections <n>', help: 'total control connections' },
  { key: 'maxConnectionsPerIp', yaml: 'max_connections_per_ip', flag: '--max-connections-per-ip <n>', help: 'control connections per client address' },
  { key: 'maxLoginFailures', yaml: 'max_login_failures', flag: '--max-login-failures <n>', help: 'failed logins before disconnect' },
  { key: 'idleTimeout', yaml: 'idle_timeout', flag: '--idle-timeout <seconds>', help: 'close idle control connections' },
  { key: 'dataTimeout', yaml: 'data_timeout', flag: '--data-timeout <seconds>', help: 'wait this long for a data connection' },
  { key: 'tlsCert', yaml: 'tls_cert', flag: '--tls-cert <file>', help: 'PEM certificate: enables AUTH TLS (explicit FTPS)' },
  { key: 'tlsKey', yaml: 'tls_key', flag: '--tls-key <file>', help: 'PEM private key for --tls-cert' },
  { key: 'requireTls', yaml: 'require_tls', flag: '--require-tls', help: 'refuse login and data without TLS', bool: true },
  { key: 'keepPartialUploads', yaml: 'keep_partial_uploads', flag: '--no-keep-partial-uploads', help: 'discard interrupted uploads of new files instead of keeping them for resume', bool: true },
  { key: 'banner', yaml: 'banner', flag: '--banner <text>', help: 'greeting text' },
  { key: 'logFile', yaml: 'log_file', flag: '--log-file <file>', help: 'append JSON log lines here instead of stdout' },
] as const;

function invalid(key: string, msg: string): never {
  throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `invalid configuration "${key}": ${msg}`);
}

export function parseListen(v: string, key = 'listen'): ListenAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  if (!m) invalid(key, `"${v}" is not HOST:PORT; write e.g. 0.0.0.0:21 or [::]:21`);
  const port = Number(m[2]);
  if (port > 65535) invalid(key, `port ${port} is out of range 0-65535`);
  return { host: m[1], port };
}

export function parsePortRange(v: string, key = 'pasv_ports'): { min: number; max: number } {
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(String(v));
  if (!m) invalid(key, `"${v}" is not MIN-MAX; write e.g. 50000-50100`);
  const min = Number(m[1]), max = Number(m[2]);
  if (min < 1024 || max > 65535 || min > max) invalid(key, `${min}-${max} must satisfy 1024 <= MIN <= MAX <= 65535`);
  return { min, max };
}

function parseUser(v: string, key = 'user'): UserSpec {
  const i = v.indexOf(':');
  if (i <= 0) invalid(key, `"${v.replace(/:.*/, ':****')}" is not NAME:PASSWORD`);
  return { name: v.slice(0, i), password: v.slice(i + 1) };
}

function toNumber(v: unknown, key: string, min: number): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isInteger(n) || n < min) invalid(key, `"${v}" must be an integer >= ${min}`);
  return n;
}

function toBool(v: unknown, key: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  invalid(key, `"${v}" must be true or false`);
}

/** Apply raw values (from YAML, keyed by YAML names, or from CLI flags keyed by config keys) onto a config. */
export function applyRaw(cfg: Partial<ServerConfig>, raw: Record<string, unknown>, naming: 'yaml' | 'key'): void {
  const known = new Set<string>(CONFIG_KEYS.map((k) => (naming === 'yaml' ? k.yaml : k.key)));
  if (naming === 'yaml') {
    known.add('pasv_address_overrides');
    for (const name of Object.keys(raw)) {
      if (!known.has(name)) invalid(name, `unknown key; known keys: ${[...known].join(', ')}`);
    }
  }
  for (const k of CONFIG_KEYS) {
    const name = naming === 'yaml' ? k.yaml : k.key;
    const v = raw[name];
    if (v === undefined) continue;
    const key = k.yaml;
    switch (k.key) {
      case 'listen': cfg.listen = (Array.isArray(v) ? v : [v]).map((x) => parseListen(String(x), key)); break;
      case 'users': cfg.users = [...(cfg.users ?? []), ...(Array.isArray(v) ? v : [v]).map((x) => parseUser(String(x), key))]; break;
      case 'pasvPorts': cfg.pasvPorts = parsePortRange(String(v), key); break;
      case 'activeSourcePort': {
        const s = String(v);
        if (s === '20') cfg.activeSourcePort = 20;
        else if (s === 'ephemeral') cfg.activeSourcePort = 'ephemeral';
        else invalid(key, `"${s}" must be 20 or ephemeral`);
        break;
      }
      case 'maxConnections': case 'maxConnectionsPerIp': case 'maxLoginFailures': case 'idleTimeout': case 'dataTimeout':
        (cfg as Record<string, unknown>)[k.key] = toNumber(v, key, 1); break;
      case 'anonymous': case 'anonymousWrite': case 'allowForeignActive': case 'allowPrivilegedActive': case 'allowForeignPassive': case 'requireTls': case 'keepPartialUploads':
        (cfg as Record<string, unknown>)[k.key] = toBool(v, key); break;
      default: (cfg as Record<string, unknown>)[k.key] = String(v);
    }
  }
  if (naming === 'yaml' && raw.pasv_address_overrides !== undefined) {
    const list = raw.pasv_address_overrides;
    if (!Array.isArray(list)) invalid('pasv_address_overrides', 'must be a list of {cidr, address}');
    cfg.pasvAddressOverrides = list.map((o, i) => {
      const e = o as Record<string, unknown>;
      if (typeof e?.cidr !== 'string' || !isValidCidr(e.cidr)) invalid(`pasv_address_overrides[${i}].cidr`, `"${e?.cidr}" is not a network like 192.168.0.0/16`);
      if (typeof e.address !== 'string' || !e.address) invalid(`pasv_address_overrides[${i}].address`, 'needs an address to advertise to that network');
      return { cidr: e.cidr, address: e.address };
    });
  }
}

export async function loadConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (err) {
    invalid('--config', `cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try { doc = yaml().parse(text); } catch (err) { invalid('--config', `${file} is not valid YAML: ${(err as Error).message}`); }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) invalid('--config', `${file} must be a YAML mapping of keys`);
  return doc as Record<string, unknown>;
}

/** Fill defaults and check everything that can be checked before binding sockets. Returns warnings. */
export function finalizeConfig(partial: Partial<ServerConfig> & { root: string }): { config: ServerConfig; warnings: string[] } {
  const config: ServerConfig = { ...DEFAULTS, ...partial } as ServerConfig;
  const warnings: string[] = [];
  if (!config.root) invalid('root', 'a directory to serve is required');
  if (config.listen.length === 0) invalid('listen', 'at least one address is required');
  const { min, max } = config.pasvPorts;
  if (min < 1024 || max > 65535 || min > max) invalid('pasv_ports', `${min}-${max} must satisfy 1024 <= MIN <= MAX <= 65535`);
  const size = max - min + 1;
  if (size < 2 * config.maxConnections) {
    warnings.push(`pasv_ports ${min}-${max} has ${size} ports for max_connections ${config.maxConnections}: each transfer holds a port and closed ones linger in TIME_WAIT, so clients will see "425 no passive port" under load. Use at least ${2 * config.maxConnections} ports (e.g. ${min}-${min + 2 * config.maxConnections - 1}) or lower max_connections.`);
  }
  if (config.pasvAddress !== undefined && config.pasvAddress === '') invalid('pasv_address', 'must not be empty');
  if (config.pasvAddress && isIP(config.pasvAddress) === 6) invalid('pasv_address', 'PASV can only advertise IPv4; IPv6 clients use EPSV, which needs no address');
  if (!!config.tlsCert !== !!config.tlsKey) invalid(config.tlsCert ? 'tls_key' : 'tls_cert', 'tls_cert and tls_key must be given together');
  if (config.requireTls && !config.tlsCert) invalid('require_tls', 'needs tls_cert and tls_key');
  if (config.anonymousWrite && !config.anonymous) invalid('anonymous_write', 'needs anonymous: true');
  if (config.activeSourcePort === 20 && typeof process.getuid === 'function' && process.getuid() !== 0) {
    warnings.push('active_source_port 20 needs the capability to bind ports below 1024: run `sudo setcap cap_net_bind_service=+ep $(readlink -f $(which node))` or use active_source_port: ephemeral.');
  }
  if (config.users.length === 0 && !config.usersFile && !config.anonymous) {
    invalid('user', 'no way to log in: give --user NAME:PASSWORD, --users FILE or --anonymous');
  }
  return { config, warnings };
}
