// The declarative command table: for each verb, login need, argument rule, write permission, help and FEAT line.
import type { Session } from './session.js';
import * as auth from './handlers/auth.js';
import * as data from './handlers/data-setup.js';
import * as nav from './handlers/navigation.js';
import * as xfer from './handlers/transfer.js';
import * as info from './handlers/info.js';

export interface CommandSpec {
  /** Needs a logged-in user. */
  auth: boolean;
  arg: 'none' | 'optional' | 'required';
  /** Needs write permission. */
  write?: boolean;
  /** REST offset survives this command (REST itself and commands that don't consume it). */
  keepsRest?: boolean;
  help: string;
  /** Line advertised by FEAT (may depend on the session, e.g. AUTH only with TLS configured). */
  feat?: string | ((s: Session) => string | null);
  run(s: Session, arg: string): void | Promise<void>;
}

const c = (spec: CommandSpec) => spec;
const MLST_FEAT = (s: Session) => 'MLST ' + ['type', 'size', 'modify', 'perm', 'unique', 'unix.mode'].map((f) => f + (s.mlstFacts.includes(f) ? '*;' : ';')).join('');

export const COMMANDS: Record<string, CommandSpec> = {
  USER: c({ auth: false, arg: 'required', help: 'USER <name>', run: auth.USER }),
  PASS: c({ auth: false, arg: 'optional', help: 'PASS <password>', run: auth.PASS }),
  QUIT: c({ auth: false, arg: 'none', help: 'QUIT', run: auth.QUIT }),
  HOST: c({ auth: false, arg: 'required', help: 'HOST <name>', feat: 'HOST', run: auth.HOST }),
  AUTH: c({ auth: false, arg: 'required', help: 'AUTH TLS', feat: (s) => (s.deps.tlsContext ? 'AUTH TLS' : null), run: auth.AUTH }),
  PBSZ: c({ auth: false, arg: 'required', help: 'PBSZ 0', feat: (s) => (s.deps.tlsContext ? 'PBSZ' : null), run: auth.PBSZ }),
  PROT: c({ auth: false, arg: 'required', help: 'PROT P|C', feat: (s) => (s.deps.tlsContext ? 'PROT' : null), run: auth.PROT }),
  NOOP: c({ auth: false, arg: 'none', keepsRest: true, help: 'NOOP', run: info.NOOP }),
  SYST: c({ auth: false, arg: 'none', keepsRest: true, help: 'SYST', run: info.SYST }),
  FEAT: c({ auth: false, arg: 'none', keepsRest: true, help: 'FEAT', run: info.FEAT }),
  OPTS: c({ auth: false, arg: 'required', keepsRest: true, help: 'OPTS UTF8 ON | OPTS MLST facts', run: info.OPTS }),
  HELP: c({ auth: false, arg: 'optional', keepsRest: true, help: 'HELP [command]', run: info.HELP }),
  STAT: c({ auth: false, arg: 'optional', keepsRest: true, help: 'STAT [path]', run: info.STAT }),
  TYPE: c({ auth: true, arg: 'required', keepsRest: true, help: 'TYPE A|I', run: info.TYPE }),
  MODE: c({ auth: true, arg: 'required', keepsRest: true, help: 'MODE S', run: info.MODE }),
  STRU: c({ auth: true, arg: 'required', keepsRest: true, help: 'STRU F', run: info.STRU }),
  ALLO: c({ auth: true, arg: 'optional', keepsRest: true, help: 'ALLO <bytes>', run: info.ALLO }),
  PWD: c({ auth: true, arg: 'none', keepsRest: true, help: 'PWD', run: nav.PWD }),
  XPWD: c({ auth: true, arg: 'none', keepsRest: true, help: 'XPWD', run: nav.PWD }),
  CWD: c({ auth: true, arg: 'optional', help: 'CWD <path>', run: (s, a) => nav.CWD(s, a || '/') }),
  XCWD: c({ auth: true, arg: 'optional', help: 'XCWD <path>', run: (s, a) => nav.CWD(s, a || '/') }),
  CDUP: c({ auth: true, arg: 'none', help: 'CDUP', run: nav.CDUP }),
  XCUP: c({ auth: true, arg: 'none', help: 'XCUP', run: nav.CDUP }),
  MKD: c({ auth: true, arg: 'required', write: true, help: 'MKD <path>', run: nav.MKD }),
  XMKD: c({ auth: true, arg: 'required', write: true, help: 'XMKD <path>', run: nav.MKD }),
  RMD: c({ auth: true, arg: 'required', write: true, help: 'RMD <path>', run: nav.RMD }),
  XRMD: c({ auth: true, arg: 'required', write: true, help: 'XRMD <path>', run: nav.RMD }),
  DELE: c({ auth: true, arg: 'required', write: true, help: 'DELE <path>', run: nav.DELE }),
  RNFR: c({ auth: true, arg: 'required', write: true, help: 'RNFR <path>', run: nav.RNFR }),
  RNTO: c({ auth: true, arg: 'required', write: true, help: 'RNTO <path>', run: nav.RNTO }),
  SIZE: c({ auth: true, arg: 'required', keepsRest: true, help: 'SIZE <path>', feat: 'SIZE', run: nav.SIZE }),
  MDTM: c({ auth: true, arg: 'required', keepsRest: true, help: 'MDTM <path>', feat: 'MDTM', run: nav.MDTM }),
  MFMT: c({ auth: true, arg: 'required', write: true, help: 'MFMT YYYYMMDDHHMMSS <path>', feat: 'MFMT', run: nav.MFMT }),
  MLST: c({ auth: true, arg: 'optional', keepsRest: true, help: 'MLST [path]', feat: MLST_FEAT, run: nav.MLST }),
  SITE: c({ auth: true, arg: 'required', help: 'SITE CHMOD|HELP', run: nav.SITE }),
  PORT: c({ auth: true, arg: 'required', keepsRest: true, help: 'PORT h1,h2,h3,h4,p1,p2', run: data.PORT }),
  EPRT: c({ auth: true, arg: 'required', keepsRest: true, help: 'EPRT |proto|addr|port|', feat: 'EPRT', run: data.EPRT }),
  PASV: c({ auth: true, arg: 'none', keepsRest: true, help: 'PASV', run: data.PASV }),
  EPSV: c({ auth: true, arg: 'optional', keepsRest: true, help: 'EPSV [1|2|ALL]', feat: 'EPSV', run: data.EPSV }),
  REST: c({ auth: true, arg: 'required', keepsRest: true, help: 'REST <offset>', feat: 'REST STREAM', run: xfer.REST }),
  RETR: c({ auth: true, arg: 'required', help: 'RETR <path>', run: xfer.RETR }),
  STOR: c({ auth: true, arg: 'required', write: true, help: 'STOR <path>', run: xfer.STOR }),
  APPE: c({ auth: true, arg: 'required', write: true, help: 'APPE <path>', run: xfer.APPE }),
  STOU: c({ auth: true, arg: 'optional', write: true, help: 'STOU [prefix]', run: xfer.STOU }),
  LIST: c({ auth: true, arg: 'optional', help: 'LIST [path]', run: xfer.LIST }),
  NLST: c({ auth: true, arg: 'optional', help: 'NLST [path]', run: xfer.NLST }),
  MLSD: c({ auth: true, arg: 'optional', help: 'MLSD [path]', run: xfer.MLSD }),
  ABOR: c({ auth: true, arg: 'none', help: 'ABOR', run: xfer.ABOR }),
};

// Features that are not a single command.
const EXTRA_FEATURES = ['UTF8', 'TVFS'];

/** Verbs answered at once even while a transfer runs (RFC 959 4.1.3: ABOR, STAT; NOOP for keepalives). */
export const URGENT_VERBS = new Set(['ABOR', 'STAT', 'NOOP']);

export function featLines(s: Session): string[] {
  const out: string[] = [];
  for (const spec of Object.values(COMMANDS)) {
    const f = typeof spec.feat === 'function' ? spec.feat(s) : spec.feat;
    if (f && !out.includes(f)) out.push(f);
  }
  return [...out, ...EXTRA_FEATURES].sort();
}
