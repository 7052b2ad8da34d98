// Checks one transfer against what its scenario says must happen, symptom by symptom; returns the list of violations.
import type { Attempt } from './connection-log.js';
import { dataSetup, GATE_EXIT, gateDataSetup, isPassive, type DataKind, type GateMode, type GateResult, type Mode, type TransferResult } from './ftp-client.js';
import type { Expect } from './scenarios.js';

export interface CheckContext {
  fileName: string;
  sha256: string;
  timeoutS: number;
}

/** curl's exit code for "operation timed out" */
export const CURL_TIMEOUT = 28;

/** The data connection attempts of a transfer: everything that is not the control connection to port 21. */
export function dataAttempts(attempts: readonly Attempt[]): Attempt[] {
  return attempts.filter((a) => a.dst.port !== 21);
}

export function checkTransfer(t: TransferResult, attempts: readonly Attempt[], expect: Expect, ctx: CheckContext): string[] {
  const bad: string[] = [];
  const replies = t.control.filter((c) => c.dir === 'reply').map((c) => c.text);
  const setup = dataSetup(t);
  const data = dataAttempts(attempts);
  const dataFrom = isPassive(t.mode) ? 'client' : 'server';
  const limitMs = ctx.timeoutS * 1000;
  if (!setup.command || setup.command.split(' ')[0] !== t.mode) bad.push(`first data-setup command should be ${t.mode}, was ${setup.command ?? 'none'}`);
  const loggedIn = replies.some((r) => r.startsWith('230'));
  switch (expect) {
    case 'works': {
      if (t.exitCode !== 0) bad.push(`transfer should work but the client exited ${t.exitCode} after ${Math.round(t.ms)} ms`);
      if (t.op === 'LIST' && !t.listing.includes(ctx.fileName)) bad.push(`listing lacks ${ctx.fileName}: ${JSON.stringify(t.listing.slice(0, 200))}`);
      if (t.op === 'RETR' && t.sha256 !== ctx.sha256) bad.push(`RETR SHA-256 ${t.sha256 ?? 'none'} (${t.bytes} bytes) != ${ctx.sha256}`);
      if (!replies.some((r) => r.startsWith('226'))) bad.push('no 226 reply');
      if (!data.some((a) => a.from === dataFrom && a.outcome === 'accepted')) bad.push(`the recorder saw no accepted data connection from the ${dataFrom}`);
      break;
    }
    case 'hangs': {
      if (!loggedIn) bad.push('control connection should work (230) but did not');
      if (!isPassive(t.mode) && setup.reply !== undefined && !setup.reply.startsWith('200')) bad.push(`${t.mode} should be accepted (200) before the hang, got ${setup.reply}`);
      if (isPassive(t.mode) && !(setup.reply ?? '').startsWith(t.mode === 'PASV' ? '227' : '229')) bad.push(`${t.mode} should be answered (${t.mode === 'PASV' ? 227 : 229}), got ${setup.reply ?? 'nothing'}`);
      if (t.exitCode !== CURL_TIMEOUT) bad.push(`should hang until the client's timeout (exit ${CURL_TIMEOUT}), exit was ${t.exitCode}`);
      if (t.ms < limitMs - 50) bad.push(`gave up after ${Math.round(t.ms)} ms, before the ${limitMs} ms timeout: it failed fast instead of hanging`);
      if (replies.some((r) => r.startsWith('226'))) bad.push('a 226 reply arrived although the data connection should hang');
      if (t.bytes > 0) bad.push(`${t.bytes} bytes arrived although the data connection should hang`);
      if (!data.some((a) => a.from === dataFrom && a.outcome === 'dropped')) bad.push(`the recorder saw no dropped data connection from the ${dataFrom}`);
      break;
    }
    case 'port-rejected': {
      const portReplies = setup.all.filter((s) => /^(PORT|EPRT)/.test(s.command));
      if (!loggedIn) bad.push('control connection should work (230) but did not');
      if (t.exitCode === 0) bad.push('transfer should fail but worked');
      if (!portReplies.length || !portReplies.every((s) => (s.reply ?? '').startsWith('5'))) bad.push(`the server should refuse PORT/EPRT with 5xx, replies: ${JSON.stringify(portReplies)}`);
      if (data.length) bad.push(`the server should not dial anything, the recorder saw ${data.length} data connection attempts`);
      if (t.ms >= limitMs - 50) bad.push(`should be refused at once, took ${Math.round(t.ms)} ms`);
      break;
    }
  }
  return bad;
}

const commaForm = (addr: string) => addr.split('.').join(',');

/**
 * Checks what NAT did to the addresses carried inside the control connection (see Variant.natCheck). serverLog is ftpgate's
 * JSON log (command lines as the server received them); undefined for other servers, whose logs lack commands.
 */
export function checkNat(
  t: TransferResult,
  check: 'pasv-private' | 'pasv-rewritten' | 'port-private' | 'port-rewritten',
  plan: { server: string; client: string; fwPublic?: string; fwServerSide: string },
  serverLog: string | undefined,
): string[] {
  const bad: string[] = [];
  const setup = dataSetup(t);
  if (check === 'pasv-private' || check === 'pasv-rewritten') {
    if (t.mode !== 'PASV') return bad;
    const want = check === 'pasv-private' ? plan.server : plan.fwPublic!;
    if (!(setup.reply ?? '').includes(`(${commaForm(want)},`)) bad.push(`the 227 the client got should name ${want}: ${setup.reply}`);
    return bad;
  }
  if (t.mode !== 'PORT' && t.mode !== 'EPRT') return bad;
  const sent = setup.command ?? '';
  const mine = t.mode === 'PORT' ? `PORT ${commaForm(plan.client)},` : `EPRT |1|${plan.client}|`;
  if (!sent.startsWith(mine)) bad.push(`the client should send its own (private) address, sent: ${sent}`);
  if (serverLog === undefined) return bad;
  const port = sent.startsWith('PORT') ? sent.split(',').slice(4).join(',') : sent.split('|')[3];
  const seenAs = check === 'port-private' ? plan.client : plan.fwServerSide;
  const expected = t.mode === 'PORT' ? `PORT ${commaForm(seenAs)},${port}` : `EPRT |1|${seenAs}|${port}|`;
  if (!serverLog.includes(`"line":"${expected}"`)) bad.push(`the server should have received "${expected}" (${check === 'port-rewritten' ? 'rewritten by nf_nat_ftp' : 'unchanged'})`);
  return bad;
}

/** For helper scenarios: the working data connection was let through by a `related` rule on fw, i.e. the helper expected it. */
export function checkViaHelper(attempts: readonly Attempt[]): string[] {
  const ok = dataAttempts(attempts).some((a) => a.outcome === 'accepted' && a.acceptedBy.some((x) => x.role === 'fw' && /related/i.test(x.rule)));
  return ok ? [] : ['the data connection was not accepted as RELATED at fw: the FTP helper did not expect it (a static rule let it through?)'];
}

// ---- the ftpgate client ----

/**
 * What the table says for one ftpgate client run. passive tries EPSV first (PASV only when EPSV is not implemented), active
 * EPRT first, so their rows are the EPSV and EPRT ones; auto must end up in a kind whose row says works.
 */
export interface GateExpect {
  /**
   * explicit modes: the table's verdict for the command the client tries first;
   * auto: works when any kind works, else hangs (no kind works)
   */
  expect: Expect;
  /** per kind, what the explicit mode does (for auto's reasons when no kind works) */
  kinds: Record<DataKind, Expect>;
  /** the kinds the table says work */
  working: DataKind[];
  /** auto: the kind the mode cache says worked last time (then tried first, without any fallback) */
  remembered?: DataKind;
}

export function gateExpect(mode: GateMode, table: Record<Mode, Expect>, remembered?: DataKind): GateExpect {
  const kinds: Record<DataKind, Expect> = { passive: table.EPSV, active: table.EPRT };
  const working = (['passive', 'active'] as const).filter((k) => kinds[k] === 'works');
  if (mode !== 'auto') return { expect: kinds[mode], kinds, working };
  return { expect: working.length ? 'works' : 'hangs', kinds, working, remembered };
}

/** The words an ftpgate client error must use for a data connection that was silently dropped. */
export const GATE_CAUSE: Record<DataKind, RegExp> = {
  passive: /passive data connection \((EPSV|PASV)\) to \S+ failed: no answer from \S+ within \d+ ms \(packets silently dropped\)/,
  active: /(the server did not connect to our active-mode port within \d+ ms|no answer to (EPRT|PORT) within \d+ ms: the server is still trying to connect).*a firewall or NAT in front of this client blocks inbound connections/,
};
const GATE_REFUSED = /(EPRT|PORT) \S+ refused by the server: 5\d\d /;

/** The words the client's error must contain when a kind fails the way the table says. */
function causeOf(kind: DataKind, e: Expect): RegExp | undefined {
  if (e === 'hangs') return GATE_CAUSE[kind];
  if (e === 'port-rejected') return GATE_REFUSED;
  return undefined;
}

export interface GateCheckContext extends CheckContext {
  /** the client's --data-timeout */
  dataTimeoutS: number;
}

/** Checks one ftpgate client run against its expectation (see GateExpect); returns the violations. */
export function checkGateTransfer(g: GateResult, attempts: readonly Attempt[], ge: GateExpect, ctx: GateCheckContext): string[] {
  const bad: string[] = [];
  const result = () => bad;
  const replies = g.control.filter((c) => c.dir === 'reply').map((c) => c.text);
  const setup = gateDataSetup(g);
  const data = dataAttempts(attempts);
  const limitMs = ctx.dataTimeoutS * 1000;
  // a hung mode costs the data timeout, plus (for servers that dial before answering PORT) 2 s and a fresh login
  const hangMaxMs = limitMs + 6000;
  const loggedIn = replies.some((r) => r.startsWith('230'));
  const from = (k: DataKind) => (k === 'passive' ? 'client' : 'server');
  const firstKind: DataKind = g.mode === 'auto' ? ge.remembered ?? 'passive' : g.mode;
  const firstCommand = firstKind === 'passive' ? 'EPSV' : 'EPRT';
  if (!setup.length || setup[0].command.split(' ')[0] !== firstCommand) bad.push(`the first data-setup command should be ${firstCommand}${g.mode === 'auto' ? ` (${ge.remembered ? `remembered: ${ge.remembered}` : 'fresh mode cache'})` : ''}, was ${setup[0]?.command ?? 'none'}`);
  const said = g.error ? `${g.error.message}${g.error.code ? ` [${g.error.code}]` : ''}` : g.log.trim().split('\n').slice(-1)[0] ?? '';
  const arrived = () => {
    if (g.op === 'LIST' && !g.listing.split('\n').includes(ctx.fileName)) bad.push(`listing lacks ${ctx.fileName}: ${JSON.stringify(g.listing.slice(0, 200))}`);
    if (g.op === 'RETR' && g.sha256 !== ctx.sha256) bad.push(`RETR SHA-256 ${g.sha256 ?? 'none'} (${g.bytes} bytes) != ${ctx.sha256}`);
    if (!replies.some((r) => r.startsWith('226'))) bad.push('no 226 reply');
  };
  const nothingArrived = () => {
    if (g.bytes > 0) bad.push(`${g.bytes} bytes arrived although the data connection should fail`);
    if (replies.some((r) => r.startsWith('226'))) bad.push('a 226 reply arrived although the data connection should fail');
  };
  const failedWith = (what: RegExp, why: string) => {
    if (g.exitCode !== GATE_EXIT.DATA_CONNECTION) bad.push(`should fail with exit ${GATE_EXIT.DATA_CONNECTION} (no data connection), exit was ${g.exitCode} after ${Math.round(g.ms)} ms: ${said}`);
    if (g.error?.code !== 'FTPGATE_ERR_CLIENT_DATA_CONNECT') bad.push(`the error should be FTPGATE_ERR_CLIENT_DATA_CONNECT, the client said: ${said}`);
    if (!what.test(g.error?.message ?? '')) bad.push(`the error message should name the cause (${why}), the client said: ${said}`);
  };

  if (g.mode !== 'auto') {
    const kind = g.mode;
    switch (ge.expect) {
      case 'works':
        if (g.exitCode !== GATE_EXIT.OK) bad.push(`${kind} should work but the client exited ${g.exitCode} after ${Math.round(g.ms)} ms: ${said}`);
        arrived();
        if (!g.used) bad.push('no "data connection: …" line');
        else if (g.used.kind !== kind || g.used.command !== firstCommand || g.used.fellBackFrom) bad.push(`should report ${kind} (${firstCommand}), reported ${g.used.kind} (${g.used.command})${g.used.fellBackFrom ? ` after ${g.used.fellBackFrom.kind} failed` : ''}`);
        if (!data.some((a) => a.from === from(kind) && a.outcome === 'accepted')) bad.push(`the recorder saw no accepted data connection from the ${from(kind)}`);
        break;
      case 'hangs':
        if (!loggedIn) bad.push('control connection should work (230) but did not');
        if (kind === 'passive' && !(setup[0]?.reply ?? '').startsWith('229')) bad.push(`EPSV should be answered (229), got ${setup[0]?.reply ?? 'nothing'}`);
        if (kind === 'active' && setup[0]?.reply !== undefined && !setup[0].reply.startsWith('200')) bad.push(`EPRT should be accepted (200) before the hang, got ${setup[0].reply}`);
        failedWith(GATE_CAUSE[kind], `a silently dropped ${kind} data connection`);
        if (g.ms < limitMs - 50) bad.push(`gave up after ${Math.round(g.ms)} ms, before its ${limitMs} ms data timeout: it failed fast instead of waiting`);
        if (g.ms > hangMaxMs) bad.push(`took ${Math.round(g.ms)} ms to give up: more than its ${limitMs} ms data timeout allows (${hangMaxMs} ms)`);
        nothingArrived();
        if (!data.some((a) => a.from === from(kind) && a.outcome === 'dropped')) bad.push(`the recorder saw no dropped data connection from the ${from(kind)}`);
        break;
      case 'port-rejected': {
        const port = setup.filter((s) => /^(PORT|EPRT)/.test(s.command));
        if (!loggedIn) bad.push('control connection should work (230) but did not');
        if (!port.length || !port.every((s) => (s.reply ?? '').startsWith('5'))) bad.push(`the server should refuse EPRT/PORT with 5xx, replies: ${JSON.stringify(port)}`);
        failedWith(GATE_REFUSED, 'the server refused the EPRT/PORT address');
        if (g.ms >= limitMs) bad.push(`should be refused at once, took ${Math.round(g.ms)} ms`);
        nothingArrived();
        if (data.length) bad.push(`the server should not dial anything, the recorder saw ${data.length} data connection attempts`);
        break;
      }
    }
    return result();
  }

  // auto
  if (!ge.working.length) {
    failedWith(/no data connection in either mode/, 'both kinds, passive and active, failed');
    for (const k of ['passive', 'active'] as const) {
      const cause = causeOf(k, ge.kinds[k]);
      if (cause && !cause.test(g.error?.message ?? '')) bad.push(`the error should say why ${k} failed (${ge.kinds[k]}), the client said: ${said}`);
    }
    nothingArrived();
    return result();
  }
  if (g.exitCode !== GATE_EXIT.OK) bad.push(`auto should work (the table says ${ge.working.join(' and ')} works) but the client exited ${g.exitCode} after ${Math.round(g.ms)} ms: ${said}`);
  arrived();
  if (!g.used) {
    bad.push('no "data connection: …" line: auto mode must say which mode it used');
    return result();
  }
  const u = g.used;
  if (!ge.working.includes(u.kind)) bad.push(`auto reported ${u.kind} (${u.command}), which the table says does not work (works: ${ge.working.join(', ')})`);
  const wantKind = ge.working.includes(firstKind) ? firstKind : ge.working[0];
  if (u.kind !== wantKind) bad.push(`auto should have used ${wantKind}, reported ${u.kind} (${u.command})`);
  if (wantKind === firstKind) {
    if (u.fellBackFrom) bad.push(`auto should have used ${firstKind} straight away, but says it fell back from ${u.fellBackFrom.kind}: ${u.fellBackFrom.error}`);
  } else {
    if (u.fellBackFrom?.kind !== firstKind) bad.push(`auto should say it fell back from ${firstKind}, the line was: ${u.kind} (${u.command})${u.fellBackFrom ? `, after ${u.fellBackFrom.kind} failed` : ''}`);
    else if (!(causeOf(firstKind, ge.kinds[firstKind]) ?? /$^/).test(u.fellBackFrom.error)) bad.push(`the fallback reason should name the cause (${ge.kinds[firstKind]}), it was: ${u.fellBackFrom.error}`);
    if (ge.kinds[firstKind] === 'hangs' && g.ms < limitMs - 50) bad.push(`fell back after ${Math.round(g.ms)} ms, before the ${limitMs} ms data timeout`);
  }
  if (!data.some((a) => a.from === from(u.kind) && a.outcome === 'accepted')) bad.push(`the recorder saw no accepted data connection from the ${from(u.kind)}`);
  return result();
}

/** An ftpgate run seen as a curl run whose mode is the data command it sent first (for checkNat). */
export function gateAsTransfer(g: GateResult): TransferResult | undefined {
  const first = gateDataSetup(g)[0]?.command.split(' ')[0] as Mode | undefined;
  if (!first) return undefined;
  return { mode: first, op: g.op, argv: g.argv, exitCode: g.exitCode, ms: g.ms, control: g.control, log: g.log, listing: g.listing, bytes: g.bytes, sha256: g.sha256 };
}
