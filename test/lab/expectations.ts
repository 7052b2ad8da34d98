// Checks one transfer against what its scenario says must happen, symptom by symptom; returns the list of violations.
import type { Attempt } from './connection-log.js';
import { dataSetup, isPassive, type TransferResult } from './ftp-client.js';
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
