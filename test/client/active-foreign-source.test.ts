// Active mode when the data connection comes from another address than the server's (a server behind NAT without
// source NAT): the client refuses it (SECURITY) and must say so — never "nothing to transfer", never an empty file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { Client, ModeMemory } from '../../src/client/index.js';
import { parseEprt } from '../../src/protocol/host-port.js';
import { startFakeServer, type FakeSession } from './helpers/fake-server.js';

/** A server whose data connections leave from 127.0.0.2 while its control address is 127.0.0.1. */
async function natServer(finalReply: string) {
  let target: { host: string; port: number } | null = null;
  const sendFromForeign = async (s: FakeSession, body: string) => {
    s.reply('150 Opening data connection\r\n');
    await new Promise<void>((resolve) => {
      const d = connect({ host: target!.host, port: target!.port, localAddress: '127.0.0.2' }, () => d.end(body));
      d.on('error', () => resolve());
      d.on('close', () => resolve());
    });
    s.reply(finalReply);
  };
  return startFakeServer({
    EPRT: (a, s) => { target = parseEprt(a); s.reply('200 EPRT ok\r\n'); },
    RETR: (_a, s) => sendFromForeign(s, 'the file body'),
    MLSD: (_a, s) => sendFromForeign(s, 'type=file;size=1; f\r\n'),
    LIST: (_a, s) => sendFromForeign(s, '-rw-r--r-- 1 u g 1 Jan 1 00:00 f\r\n'),
  });
}

for (const final of ['226 Transfer complete\r\n', '426 Connection reset\r\n']) {
  test(`active mode, data connection from a foreign address, server says ${final.slice(0, 3)}: a clear error naming the address, no empty success`, async () => {
    const srv = await natServer(final);
    const c = await Client.connect({ host: '127.0.0.1', port: srv.port, user: 'u', password: 'p', mode: 'active', modeMemory: new ModeMemory(), dataTimeoutMs: 3000 });
    try {
      let got = 0;
      const sink = new Writable({ write(chunk, _e, cb) { got += chunk.length; cb(); } });
      await assert.rejects(c.get('f', sink), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FTPGATE_ERR_CLIENT_DATA_CONNECT');
        assert.match(e.message, /came from 127\.0\.0\.2, not from the server's control address 127\.0\.0\.1, and was refused/);
        assert.match(e.message, /source NAT|passive mode/);
        return true;
      });
      assert.equal(got, 0);
      await assert.rejects(c.list(''), /came from 127\.0\.0\.2/);
    } finally {
      c.destroy();
      await srv.close();
    }
  });
}
