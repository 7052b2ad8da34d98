// Interop over IPv6 loopback: only EPSV and EPRT can carry IPv6, so passive and active must pick them; URL with [::1].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, ModeMemory } from '../../src/client/index.js';
import { startThirdPartyServer, thirdPartyAvailable, type ThirdPartyKind } from '../helpers/third-party-servers.js';
import { requirePeer } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';
import { createServer } from 'node:net';

const ipv6 = await new Promise<boolean>((r) => {
  const s = createServer();
  s.once('error', () => r(false));
  s.listen(0, '::1', () => s.close(() => r(true)));
});

for (const [kind, range] of [['pyftpdlib', [53680, 53689]], ['proftpd', [53690, 53699]]] as [ThirdPartyKind, [number, number]][]) {
  const skip = requirePeer(thirdPartyAvailable(kind), kind) || requirePeer(ipv6, 'IPv6 loopback (::1)');
  test(`${kind} on [::1]: passive uses EPSV, active uses EPRT |2|::1|…|, SHA-256`, { skip }, async () => {
    const srv = await startThirdPartyServer(kind, { host: '::1', pasvPorts: { min: range[0], max: range[1] } });
    const local = tempDir();
    try {
      const hash = await randomFile(join(srv.root, 'v6.bin'), 400_009);
      for (const mode of ['passive', 'active'] as const) {
        const log: string[] = [];
        const c = await Client.connect(`ftp://${encodeURIComponent(srv.user)}:${encodeURIComponent(srv.password)}@[::1]:${srv.port}/`, { mode, modeMemory: new ModeMemory(), activePorts: { min: 54000, max: 54999 }, log: (l) => log.push(l) });
        try {
          await c.getFile('v6.bin', join(local.path, `${mode}.bin`));
          assert.equal(await sha256File(join(local.path, `${mode}.bin`)), hash);
          assert.equal(c.lastData?.command, mode === 'passive' ? 'EPSV' : 'EPRT');
          if (mode === 'active') assert.ok(log.some((l) => /^> EPRT \|2\|::1\|\d+\|$/.test(l)), log.join('\n'));
          assert.ok(!log.some((l) => /^> (PASV|PORT)\b/.test(l)), 'no IPv4-only command sent');
        } finally {
          await c.close();
        }
      }
    } finally {
      await srv.stop();
      local.cleanup();
    }
  });
}
