// Interop: pyftpdlib behind a bogus NAT address (masquerade) and with passive or active disabled; auto mode falls back and remembers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, ModeMemory } from '../../src/client/index.js';
import { havePyftpdlib, requirePeer, startPyftpd } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const skip = requirePeer(havePyftpdlib(), 'pyftpdlib');
const root = tempDir();
const local = tempDir();
after(() => { root.cleanup(); local.cleanup(); });

test('PASV names 10.255.255.1 (bogus masquerade): the client connects to the control host instead and notes the mismatch', { skip }, async () => {
  const peer = await startPyftpd({ root: root.path, pasvRange: [53200, 53299], masquerade: '10.255.255.1', noExtended: true });
  try {
    const c = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode: 'passive', modeMemory: new ModeMemory() });
    try {
      const src = join(local.path, 'm.bin');
      const hash = await randomFile(src, 300001);
      await c.putFile(src, 'm.bin');
      await c.getFile('m.bin', join(local.path, 'm.back'));
      assert.equal(await sha256File(join(local.path, 'm.back')), hash);
      assert.equal(c.lastData?.command, 'PASV');
      assert.equal(c.notes.pasvAdvertised, '10.255.255.1');
      assert.equal(c.notes.pasvMismatch, true);
    } finally {
      await c.close();
    }
  } finally {
    await peer.stop();
  }
});

test('auto mode: passive disabled on the server → falls back to active, and the next transfer starts with active', { skip }, async () => {
  const peer = await startPyftpd({ root: root.path, pasvRange: [53300, 53399], noPassive: true });
  const memory = new ModeMemory();
  try {
    const c = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode: 'auto', modeMemory: memory, activePorts: { min: 54000, max: 54999 } });
    try {
      const src = join(local.path, 'a.bin');
      const hash = await randomFile(src, 200003);
      await c.putFile(src, 'a.bin');
      assert.equal(c.lastData?.kind, 'active');
      assert.equal(c.lastData?.fellBackFrom?.kind, 'passive');
      assert.equal(await sha256File(join(root.path, 'a.bin')), hash);
      assert.equal(memory.get(`${peer.host}:${peer.port}`), 'active');
      await c.getFile('a.bin', join(local.path, 'a.back'));
      assert.equal(c.lastData?.kind, 'active');
      assert.equal(c.lastData?.fellBackFrom, undefined, 'second transfer starts with what worked');
      assert.equal(await sha256File(join(local.path, 'a.back')), hash);
    } finally {
      await c.close();
    }
    // passive-only mode must fail with a data-connection error, not silently switch.
    const p = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode: 'passive', modeMemory: memory });
    try {
      await assert.rejects(p.list(''), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_DATA_CONNECT');
    } finally {
      await p.close();
    }
  } finally {
    await peer.stop();
  }
});

test('auto mode: active disabled and remembered active → falls back to passive', { skip }, async () => {
  const peer = await startPyftpd({ root: root.path, pasvRange: [53400, 53499], noActive: true });
  const memory = new ModeMemory();
  memory.set(`${peer.host}:${peer.port}`, 'active');
  try {
    const c = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', modeMemory: memory, activePorts: { min: 54000, max: 54999 } });
    try {
      const entries = await c.list('');
      assert.ok(Array.isArray(entries));
      assert.equal(c.lastData?.kind, 'passive');
      assert.equal(c.lastData?.fellBackFrom?.kind, 'active');
      assert.equal(memory.get(`${peer.host}:${peer.port}`), 'passive');
    } finally {
      await c.close();
    }
  } finally {
    await peer.stop();
  }
});

test('trustPasvAddress: the PASV address is used only when trusted (127.0.0.2 here, where nothing listens)', { skip }, async () => {
  const peer = await startPyftpd({ root: root.path, pasvRange: [53250, 53259], masquerade: '127.0.0.2', noExtended: true });
  try {
    const safe = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode: 'passive', modeMemory: new ModeMemory() });
    try {
      await safe.list('');
      assert.equal(safe.notes.pasvAdvertised, '127.0.0.2');
    } finally {
      await safe.close();
    }
    const trusting = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode: 'passive', trustPasvAddress: true, dataTimeoutMs: 3000, modeMemory: new ModeMemory() });
    try {
      await assert.rejects(trusting.list(''), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_DATA_CONNECT' && /127\.0\.0\.2:532\d\d/.test(e.message));
    } finally {
      await trusting.close();
    }
  } finally {
    await peer.stop();
  }
});

test('auto mode with both kinds impossible: one error naming both reasons and the doctor', { skip }, async () => {
  const peer = await startPyftpd({ root: root.path, pasvRange: [53260, 53269], noPassive: true, noActive: true });
  try {
    const c = await Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', modeMemory: new ModeMemory() });
    try {
      await assert.rejects(c.list(''), (e: Error & { code?: string }) =>
        e.code === 'FTPGATE_ERR_CLIENT_DATA_CONNECT' && /no data connection in either mode — passive: .*502.*; active: .*502/.test(e.message) && /ftpgate doctor/.test(e.message));
    } finally {
      await c.close();
    }
  } finally {
    await peer.stop();
  }
});
