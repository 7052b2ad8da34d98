// A transfer completes only when both the data stream ended and the final reply arrived, in either order; replies split anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Client, ModeMemory, CHANNEL_COMMAND, CHANNEL_REPLY } from '../../src/client/index.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { startFakeServer } from './helpers/fake-server.js';

const PAYLOAD = Buffer.from('x'.repeat(100000));

function collect(): { sink: PassThrough; bytes: () => number } {
  const sink = new PassThrough();
  let n = 0;
  sink.on('data', (d: Buffer) => { n += d.length; });
  return { sink, bytes: () => n };
}

for (const order of ['226-after-data', '226-before-data'] as const) {
  test(`RETR: ${order}`, async () => {
    const srv = await startFakeServer({
      RETR: async (_a, s) => {
        const data = await s.takeData();
        s.reply('150 Opening\r\n');
        if (order === '226-before-data') {
          s.reply('226 Done\r\n');
          await new Promise((r) => setTimeout(r, 100));
          data.end(PAYLOAD);
        } else {
          await new Promise<void>((r) => data.end(PAYLOAD, () => r()));
          await new Promise((r) => setTimeout(r, 100));
          s.reply('226 Done\r\n');
        }
      },
    });
    const c = await Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'passive', modeMemory: new ModeMemory() });
    try {
      const { sink, bytes } = collect();
      await c.get('f', sink);
      assert.equal(bytes(), PAYLOAD.length, 'all data arrived before get() resolved');
      assert.equal(await c.pwd(), '/', 'control connection still in step');
    } finally {
      await c.close();
      await srv.close();
    }
  });
}

test('RETR: 550 without data rejects with the reply code, connection stays usable', async () => {
  const srv = await startFakeServer({ RETR: (_a, s) => s.reply('550 No such file\r\n') });
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'passive', modeMemory: new ModeMemory() });
  try {
    await assert.rejects(c.get('missing', new PassThrough()), (e: Error & { reply?: number; code?: string }) => e.reply === 550 && e.code === 'FTPGATE_ERR_CLIENT_REPLY');
    assert.equal(await c.pwd(), '/');
  } finally {
    await c.close();
    await srv.close();
  }
});

test('replies split at every byte (multi-line FEAT, greeting) are parsed the same', async () => {
  const feat = '211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n UTF8\r\n211 End\r\n';
  const srv = await startFakeServer({
    FEAT: async (_a, s) => {
      for (const ch of feat) { s.reply(ch); await new Promise((r) => setImmediate(r)); }
    },
    OPTS: (_a, s) => s.reply('200 UTF8 on\r\n'),
  }, '220-Welcome\r\n220-to the\r\n220 fake\r\n');
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, modeMemory: new ModeMemory() });
  try {
    assert.deepEqual([...c.features.keys()].sort(), ['MLST', 'SIZE', 'UTF8']);
    assert.equal(c.features.get('MLST'), 'type*;size*;modify*;');
    assert.ok(srv.received.includes('OPTS UTF8 ON'));
  } finally {
    await c.close();
    await srv.close();
  }
});

test('an endless reply line is capped: the client closes with FTPGATE_ERR_PROTOCOL_REPLY_TOO_LONG', async () => {
  const srv = await startFakeServer({ PWD: (_a, s) => s.reply('257 "' + 'a'.repeat(200 * 1024)) });
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, modeMemory: new ModeMemory() });
  try {
    await assert.rejects(c.pwd(), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_PROTOCOL_REPLY_TOO_LONG');
    await assert.rejects(c.pwd(), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_CLOSED' && /reply exceeds/.test(e.message));
  } finally {
    c.destroy();
    await srv.close();
  }
});

test('password is masked in the protocol log', async () => {
  const srv = await startFakeServer({});
  const log: string[] = [];
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, user: 'bob', password: 'sekret', log: (l) => log.push(l), modeMemory: new ModeMemory() });
  await c.close();
  await srv.close();
  assert.ok(srv.received.includes('PASS sekret'));
  assert.ok(log.some((l) => l === '> PASS ****'));
  assert.ok(!log.some((l) => l.includes('sekret')));
});

test('keepAlive sends NOOP while idle and stops after close', async () => {
  const srv = await startFakeServer({});
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, modeMemory: new ModeMemory() });
  c.keepAlive(50);
  await new Promise((r) => setTimeout(r, 300));
  await c.close();
  const noops = srv.received.filter((l) => l === 'NOOP').length;
  assert.ok(noops >= 2, `NOOPs sent: ${noops}`);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(srv.received.filter((l) => l === 'NOOP').length, noops);
  await srv.close();
});

test('a keepalive NOOP in flight never makes a caller fail with BUSY', async () => {
  const srv = await startFakeServer({ NOOP: async (_a, s) => { await new Promise((r) => setTimeout(r, 40)); s.reply('200 OK\r\n'); } });
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, modeMemory: new ModeMemory() });
  try {
    c.keepAlive(5);
    for (let i = 0; i < 20; i++) {
      assert.equal(await c.pwd(), '/');
      await new Promise((r) => setTimeout(r, 7));
    }
    assert.ok(srv.received.includes('NOOP'));
  } finally {
    await c.close();
    await srv.close();
  }
});

test('active RETR, pure-ftpd style (connect after RETR, then 150 + data + 226 at once): no byte lost', async () => {
  const body = Buffer.alloc(300_000, 9);
  let target: [string, number] = ['', 0];
  const srv = await startFakeServer({
    EPRT: (a, s) => {
      const [, , host, port] = a.split('|');
      target = [host, Number(port)];
      s.reply('200 EPRT ok\r\n');
    },
    // Like pure-ftpd: connect only after RETR, then send everything without waiting.
    RETR: async (_a, s) => {
      await s.connectActive(target[0], target[1]);
      const d = await s.takeData();
      d.end(body);
      s.reply('150 Here\r\n226 Done\r\n');
    },
  });
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'active', modeMemory: new ModeMemory() });
  try {
    for (let i = 0; i < 10; i++) {
      const { sink, bytes } = collect();
      await c.get('f', sink);
      assert.equal(bytes(), body.length, `round ${i}`);
    }
  } finally {
    await c.close();
    await srv.close();
  }
});

test('diagnostics_channel: commands (password masked) and replies are published', async () => {
  const srv = await startFakeServer({});
  const seen: string[] = [];
  const onCmd = (m: unknown) => seen.push('> ' + (m as { command: string }).command);
  const onReply = (m: unknown) => seen.push('< ' + (m as { code: number }).code);
  subscribe(CHANNEL_COMMAND, onCmd);
  subscribe(CHANNEL_REPLY, onReply);
  try {
    const c = await Client.connect({ host: '127.0.0.1', port: srv.port, user: 'x', password: 'hidden', modeMemory: new ModeMemory() });
    await c.close();
  } finally {
    unsubscribe(CHANNEL_COMMAND, onCmd);
    unsubscribe(CHANNEL_REPLY, onReply);
    await srv.close();
  }
  assert.deepEqual(seen.slice(0, 5), ['< 220', '> USER x', '< 331', '> PASS ****', '< 230']);
  assert.ok(!seen.some((l) => l.includes('hidden')));
});

test('RETR with 150 and 226 delivered one byte at a time, interleaved with the data', async () => {
  const drip = async (s: { reply(t: string): void }, text: string) => {
    for (const ch of text) { s.reply(ch); await new Promise((r) => setImmediate(r)); }
  };
  const srv = await startFakeServer({
    RETR: async (_a, s) => {
      const data = await s.takeData();
      await drip(s, '150-Opening\r\n150 data connection\r\n');
      data.write(PAYLOAD.subarray(0, 5000));
      await drip(s, '226 Tra');
      data.end(PAYLOAD.subarray(5000));
      await drip(s, 'nsfer complete\r\n');
    },
  });
  const c = await Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'passive', modeMemory: new ModeMemory() });
  try {
    const { sink, bytes } = collect();
    await c.get('f', sink);
    assert.equal(bytes(), PAYLOAD.length);
    assert.equal(await c.pwd(), '/');
  } finally {
    await c.close();
    await srv.close();
  }
});
