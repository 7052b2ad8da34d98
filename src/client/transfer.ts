// One transfer over a data connection: open it (passive or active), send the command, wrap TLS with session reuse,
// and finish only when both the data stream ended and the final reply arrived, in either order.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import type { ParsedReply } from '../protocol/reply.js';
import { startTls, type ClientTlsOptions } from '../net/client-sockets.js';
import { normalizeAddress } from '../protocol/host-port.js';
import type { ControlConnection, Logger } from './control-connection.js';
import { DataConnectError, openData, type DataChannel, type DataCommand, type DataContext } from './data-channel.js';
import type { DataKind } from './mode-memory.js';

/** What the last transfer used, and whether it fell back from the other kind. */
export interface DataUse { kind: DataKind; command: DataCommand; fellBackFrom?: { kind: DataKind; error: string } }

export interface TransferContext {
  control: ControlConnection;
  data: DataContext;
  /** Only this data command (doctor). */
  only?: DataCommand;
  /** Send a command, return its final reply. */
  command(line: string): Promise<ParsedReply>;
  host: string;
  tls: ClientTlsOptions;
  /** PROT P is in effect: data connections are TLS. */
  protP: boolean;
  /** The control connection's TLS session, resumed on data connections. */
  tlsSession?: Buffer;
  dataTimeoutMs: number;
  timeoutMs: number;
  log?: Logger;
}

export function replyError(r: ParsedReply, what: string): FtpgateError {
  const code = r.code === 530 ? ErrorCodes.CLIENT_LOGIN : ErrorCodes.CLIENT_REPLY;
  return new FtpgateError(code, `${what}: ${r.code} ${r.message}`, { reply: r.code });
}

export async function runTransfer(ctx: TransferContext, kind: DataKind, command: string, onData: (data: Duplex) => Promise<void>, preCommand: string | undefined, used: (u: DataUse) => void): Promise<ParsedReply> {
  const c = ctx.control;
  const chan: DataChannel = await openData(kind, ctx.data, ctx.only);
  let raw: Socket | null = chan.kind === 'passive' ? chan.socket : null;
  let stream: Duplex | null = null;
  let replyTimer: NodeJS.Timeout | null = null;
  let written = false;
  let replied = false;
  let finalReply: Promise<ParsedReply> = Promise.reject(new Error('not sent'));
  finalReply.catch(() => {});
  const armReplyTimer = (why: string) => {
    if (replyTimer) return;
    replyTimer = setTimeout(() => c.fail(new FtpgateError(ErrorCodes.CLIENT_TIMEOUT, `${why}, but no reply to ${command.split(' ')[0]} within ${ctx.timeoutMs} ms`)), ctx.timeoutMs);
  };
  try {
    if (preCommand) {
      const r = await ctx.command(preCommand);
      if (r.code !== 350) throw replyError(r, preCommand);
    }
    for (const stray of c.drainStray()) ctx.log?.(`(ignored late reply ${stray.code} ${stray.message})`);
    c.write(command);
    written = true;
    // The final reply: read without a timeout while data flows (a big file takes long), with one once data ended.
    let markPreliminary: () => void = () => {};
    const preliminary = new Promise<void>((r) => { markPreliminary = r; });
    finalReply = (async () => {
      try {
        for (;;) {
          const r = await c.next(0);
          if (r.code >= 200) return r;
          markPreliminary();
        }
      } finally {
        replied = true;
      }
    })();
    finalReply.catch(() => {});
    /** The server did connect, but from another address than the control connection's: we refused it (SECURITY). */
    const foreignSource = (r?: ParsedReply) => chan.kind === 'active' && chan.refused.length > 0
      ? new DataConnectError(`the active data connection came from ${chan.refused[0]}, not from the server's control address ${normalizeAddress(ctx.data.remoteAddress)}, and was refused${r ? ` (server: ${r.code} ${r.message})` : ''}; the server is behind NAT that does not translate its outgoing connections (add source NAT/masquerade for them on its router), or use passive mode`, 'active', chan.command, 'no-connection', r)
      : null;
    const checked = finalReply.then((r) => {
      const foreign = raw === null ? foreignSource(r) : null;
      if (foreign) throw foreign;
      if (r.code === 425 || (kind === 'active' && r.code >= 400 && r.code < 500 && raw === null)) {
        throw new DataConnectError(`the server could not open the data connection (${chan.command}): ${r.code} ${r.message}`, kind, chan.command, kind === 'active' ? 'no-connection' : 'rejected', r);
      }
      if (r.code >= 300) throw replyError(r, command);
      return r;
    });
    checked.catch(() => {});
    if (chan.kind === 'active') {
      let t: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new DataConnectError(`the server did not connect to our active-mode port within ${ctx.dataTimeoutMs} ms (${chan.command}); a firewall or NAT in front of this client blocks inbound connections`, 'active', chan.command, 'no-connection')), ctx.dataTimeoutMs);
      });
      try {
        let got = await Promise.race([chan.connection, checked.then(() => null), timeout]);
        if (got === null) {
          // The final reply can overtake the accept of a connection the server made and already finished
          // (a fast server sends 150, the data and 226 at once): give the accept a moment before concluding.
          got = await Promise.race([chan.connection, new Promise<null>((r) => setTimeout(() => r(null), 1000).unref())]);
        }
        if (got === null) {
          // SECURITY: a connection from a foreign address was refused — never report that as "nothing to transfer"
          const foreign = foreignSource(await checked.catch(() => undefined));
          if (foreign) throw foreign;
          // A 2xx before any data connection: nothing to transfer (some servers do this for empty listings).
          used({ kind, command: chan.command });
          return await checked;
        }
        raw = got;
      } finally {
        clearTimeout(t);
        chan.server.close();
      }
    }
    used({ kind, command: chan.command });
    if (ctx.protP) {
      stream = await Promise.race([
        startTls(ctx.host, ctx.tls, { socket: raw! }, ctx.tlsSession, ctx.timeoutMs),
        checked.then((r): never => { throw new FtpgateError(ErrorCodes.CLIENT_TLS, `server replied ${r.code} before TLS on the data connection was up`); }),
      ]);
    } else stream = raw!;
    // Data is handled once the server said 125/150 (or its final reply): uploads sent earlier get lost by some
    // servers (pyftpdlib in active mode), and a download must not create a local file when the reply is 550.
    await Promise.race([preliminary, checked]);
    const dataP = onData(stream).then(() => armReplyTimer('data connection finished'));
    const [r] = await Promise.all([checked, dataP]);
    return r;
  } catch (err) {
    // Keep the control connection in step: when the command went out, the server still owes a final reply.
    stream?.destroy();
    raw?.destroy();
    if (written && !replied) {
      if (err instanceof DataConnectError && err.failure === 'no-connection') {
        // The server is still trying to reach our active port (it answers only after its own connect timeout,
        // a minute on some servers): do not wait; the caller replaces the control connection.
        err.outOfStep = true;
      } else {
        armReplyTimer('transfer aborted');
        await finalReply.catch(() => {});
      }
    }
    throw err;
  } finally {
    if (replyTimer) clearTimeout(replyTimer);
    if (chan.kind === 'active') chan.server.close();
    raw?.destroy();
    stream?.destroy();
  }
}
