// Accounts: scrypt password hashes (`$scrypt$...` strings), the users file, and the authorizer that checks a login.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { yaml } from '../yaml-loader.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

export interface UserSpec {
  name: string;
  /** Plain text (quick start, --user) or a `$scrypt$` hash (users file). */
  password?: string;
  /** Home directory: relative to the server root, or absolute. Default: the root. */
  home?: string;
  write?: boolean;
}

export interface Account {
  name: string;
  home?: string;
  write: boolean;
  anonymous: boolean;
}

const N = 16384, r = 8, p = 1, KEYLEN = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `$scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!stored.startsWith('$scrypt$')) {
    // Plain-text password from --user: compare in constant time.
    const a = Buffer.from(password), b = Buffer.from(stored);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const parts = stored.split('$'); // ['', 'scrypt', 'N=..,r=..,p=..', salt, hash]
  if (parts.length !== 5) return false;
  const params = Object.fromEntries(parts[2].split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  const salt = Buffer.from(parts[3], 'base64');
  const expected = Buffer.from(parts[4], 'base64');
  const key = await scrypt(password, salt, expected.length, { N: params.N, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

export async function loadUsersFile(file: string): Promise<UserSpec[]> {
  let doc: unknown;
  try {
    doc = yaml().parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `users file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const list = (doc as { users?: unknown })?.users;
  if (!Array.isArray(list)) throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `users file ${file}: expected a top-level "users:" list (write entries with \`ftpgate passwd --users ${file} NAME\`)`);
  return list.map((u, i) => {
    const e = u as Record<string, unknown>;
    if (typeof e.name !== 'string' || !e.name) throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `users file ${file}: entry ${i + 1} has no "name"`);
    if (typeof e.password !== 'string' || !e.password.startsWith('$scrypt$')) {
      throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `users file ${file}: user "${e.name}" needs a "password" hash ($scrypt$...); create it with \`ftpgate passwd --users ${file} ${e.name}\``);
    }
    return { name: e.name, password: e.password, home: typeof e.home === 'string' ? e.home : undefined, write: e.write === true };
  });
}

/** Decides who may log in and with which rights. */
export class Authorizer {
  private readonly users = new Map<string, UserSpec>();
  constructor(users: UserSpec[], private readonly anonymous: { enabled: boolean; write: boolean }) {
    for (const u of users) this.users.set(u.name, u);
  }

  isAnonymousName(name: string): boolean {
    return this.anonymous.enabled && (name === 'anonymous' || name === 'ftp') && !this.users.has(name);
  }

  async authenticate(name: string, password: string): Promise<Account | null> {
    if (this.isAnonymousName(name)) return { name, write: this.anonymous.write, anonymous: true };
    const u = this.users.get(name);
    if (!u || u.password === undefined) {
      // Spend comparable time so user names cannot be probed by timing.
      await verifyPassword(password, '$scrypt$N=16384,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
      return null;
    }
    if (!(await verifyPassword(password, u.password))) return null;
    return { name, home: u.home, write: u.write !== false, anonymous: false };
  }
}
