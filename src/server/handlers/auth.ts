// Login and security commands: USER PASS QUIT HOST AUTH PBSZ PROT.
import type { Session } from '../session.js';
import { R } from '../../protocol/reply-codes.js';
import { LIMITS } from '../../protocol/limits.js';

export function USER(s: Session, arg: string): void {
  if (s.account) { s.reply(R.BAD_SEQUENCE, 'Already logged in'); return; }
  if (s.config.requireTls && !s.tls) { s.reply(R.NOT_LOGGED_IN, 'TLS required: send AUTH TLS first (use ftpes:// or --ftp-ssl-reqd)'); return; }
  if (arg.length > LIMITS.MAX_USERNAME) { s.reply(R.SYNTAX_ERROR_ARGS, 'User name too long'); return; }
  s.pendingUser = arg;
  if (s.deps.authorizer.isAnonymousName(arg)) s.reply(R.NEED_PASSWORD, 'Anonymous login ok, send your e-mail address as password');
  else s.reply(R.NEED_PASSWORD, `Password required for ${arg}`);
}

export async function PASS(s: Session, arg: string): Promise<void> {
  if (s.account) { s.reply(R.SUPERFLUOUS, 'Already logged in'); return; }
  if (s.pendingUser === null) { s.reply(R.BAD_SEQUENCE, 'Send USER first'); return; }
  const name = s.pendingUser;
  s.pendingUser = null;
  const account = arg.length > LIMITS.MAX_PASSWORD ? null : await s.deps.authorizer.authenticate(name, arg);
  if (!account) {
    s.loginFailures++;
    s.log({ event: 'login-failed', name, peer: s.peer, attempt: s.loginFailures });
    // SECURITY: slow down guessing, and drop the connection after max_login_failures.
    await new Promise((r) => setTimeout(r, 300 * s.loginFailures));
    if (s.loginFailures >= s.config.maxLoginFailures) {
      s.reply(R.SERVICE_UNAVAILABLE, 'Too many failed logins, closing connection');
      s.close();
      return;
    }
    s.reply(R.NOT_LOGGED_IN, 'Login incorrect');
    return;
  }
  try {
    s.fs = await s.deps.openFs(account);
  } catch (err) {
    s.log({ event: 'login-failed', name, reason: (err as Error).message });
    s.reply(R.NOT_LOGGED_IN, 'Home directory not available');
    return;
  }
  s.account = account;
  s.cwd = '/';
  s.log({ event: 'login', peer: s.peer, anonymous: account.anonymous, write: account.write });
  s.reply(R.LOGGED_IN, account.anonymous ? 'Anonymous access granted, restrictions apply' : `User ${name} logged in`);
}

export function QUIT(s: Session): void {
  s.reply(R.GOODBYE, 'Goodbye');
  s.close();
}

export function HOST(s: Session, _arg: string): void {
  // RFC 7151: one virtual host here; accepted before login only.
  if (s.account) { s.reply(R.BAD_SEQUENCE, 'HOST must come before login'); return; }
  s.reply(R.SERVICE_READY, 'Host accepted');
}

export function AUTH(s: Session, arg: string): void {
  const mech = arg.trim().toUpperCase();
  if (!s.deps.tlsContext) { s.reply(R.NOT_IMPLEMENTED, 'TLS is not configured on this server (tls_cert / tls_key)'); return; }
  if (mech !== 'TLS' && mech !== 'SSL' && mech !== 'TLS-C') { s.reply(R.NOT_IMPLEMENTED_PARAM, `AUTH ${mech} not supported; use AUTH TLS`); return; }
  if (s.tls) { s.reply(R.BAD_SEQUENCE, 'TLS already active'); return; }
  s.reply(R.AUTH_OK, 'AUTH TLS successful');
  s.upgradeControlToTls(s.deps.tlsContext);
}

export function PBSZ(s: Session, arg: string): void {
  if (!s.tls) { s.reply(R.BAD_SEQUENCE, 'PBSZ needs AUTH TLS first'); return; }
  s.pbszSeen = true;
  s.reply(R.OK, arg.trim() === '0' ? 'PBSZ=0' : 'PBSZ=0');
}

export function PROT(s: Session, arg: string): void {
  if (!s.tls) { s.reply(R.BAD_SEQUENCE, 'PROT needs AUTH TLS first'); return; }
  const level = arg.trim().toUpperCase();
  if (level === 'P') { s.protP = true; s.reply(R.OK, 'Protection level set to Private'); return; }
  if (level === 'C') {
    if (s.config.requireTls) { s.reply(R.PROT_NOT_SUPPORTED, 'Clear data connections are not allowed here; use PROT P'); return; }
    s.protP = false; s.reply(R.OK, 'Protection level set to Clear'); return;
  }
  s.reply(R.NOT_IMPLEMENTED_PARAM, `PROT ${level} not supported; use P or C`);
}
