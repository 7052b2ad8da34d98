// Joins the client's and the server's data connections: bytes both ways with backpressure, an abort that resets both.
import type { Socket } from 'node:net';

export interface RelayResult {
  ok: boolean;
  /** Bytes from the server to the client (downloads, listings) and from the client to the server (uploads). */
  toClient: number;
  toServer: number;
  /** Which side failed and why, when !ok. */
  error?: string;
}

/**
 * Pipe `client` ⇄ `server` until both have closed. A clean end on one side ends the other (the sender's EOF
 * is the end of the file in stream mode); an error or reset on one side RESETS the other, so neither peer
 * mistakes an interrupted transfer for a complete one (a clean FIN would tell a client "download complete").
 */
export function relay(client: Socket, server: Socket): { done: Promise<RelayResult>; abort(reason: string): void } {
  const result: RelayResult = { ok: true, toClient: 0, toServer: 0 };
  let closed = 0;
  let resolveDone!: (r: RelayResult) => void;
  const done = new Promise<RelayResult>((r) => { resolveDone = r; });

  const fail = (reason: string) => {
    if (!result.ok) return;
    result.ok = false;
    result.error = reason;
    for (const s of [client, server]) if (!s.destroyed) s.resetAndDestroy();
  };
  const onClose = () => { if (++closed === 2) resolveDone(result); };

  for (const [from, to, name] of [[server, client, 'server'], [client, server, 'client']] as const) {
    from.on('data', (chunk: Buffer) => {
      if (from === server) result.toClient += chunk.length; else result.toServer += chunk.length;
      // backpressure: stop reading the fast side until the slow side has drained
      if (!to.write(chunk)) { from.pause(); to.once('drain', () => from.resume()); }
    });
    from.on('end', () => { if (!to.destroyed) to.end(); });
    from.on('error', (err: NodeJS.ErrnoException) => fail(`${name} data connection: ${err.code ?? err.message}`));
    from.on('close', onClose);
  }
  client.resume();
  server.resume();
  return { done, abort: fail };
}
