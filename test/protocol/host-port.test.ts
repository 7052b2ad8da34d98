// PORT/PASV/EPRT/EPSV encodings, address normalisation and CIDR matching, table-driven.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHostPort6, formatHostPort6, parsePasvReply, parseEprt, formatEprt, parseEpsvReply, formatEpsv, normalizeAddress, cidrContains } from '../../src/protocol/host-port.js';

test('PORT/PASV encoding round trip and rejects', () => {
  assert.deepEqual(parseHostPort6('192,168,1,2,195,80'), { host: '192.168.1.2', port: 50000 });
  assert.equal(formatHostPort6('::ffff:10.0.0.1', 50000), '10,0,0,1,195,80');
  assert.deepEqual(parsePasvReply('Entering Passive Mode (127,0,0,1,4,1).'), { host: '127.0.0.1', port: 1025 });
  for (const bad of ['1,2,3,4,5', '256,1,1,1,1,1', '1,2,3,4,0,0', 'a,b,c,d,e,f', '1,2,3,4,5,6,7']) {
    assert.throws(() => parseHostPort6(bad), { code: 'FTPGATE_ERR_PROTOCOL_BAD_HOSTPORT' }, bad);
  }
  assert.throws(() => formatHostPort6('::1', 2000));
  fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (h, p) => {
    assert.deepEqual(parseHostPort6(formatHostPort6(h, p)), { host: h.split('.').map(Number).join('.'), port: p });
  }));
});

test('EPRT and EPSV', () => {
  assert.deepEqual(parseEprt('|1|132.235.1.2|6275|'), { host: '132.235.1.2', port: 6275, family: 1 });
  assert.deepEqual(parseEprt('|2|::1|5282|'), { host: '::1', port: 5282, family: 2 });
  assert.deepEqual(parseEprt('!2!::ffff:10.1.2.3!5282!'), { host: '10.1.2.3', port: 5282, family: 2 });
  for (const bad of ['|3|1.2.3.4|5|', '|1|::1|5|', '|1|1.2.3.4|70000|', '|1|1.2.3.4|', '1.2.3.4']) assert.throws(() => parseEprt(bad), /./, bad);
  assert.equal(formatEprt('::1', 80), '|2|::1|80|');
  assert.equal(parseEpsvReply('Entering Extended Passive Mode (|||6446|)'), 6446);
  assert.equal(parseEpsvReply(`x ${formatEpsv(50001)}`), 50001);
  assert.throws(() => parseEpsvReply('Entering Extended Passive Mode'));
});

test('IPv4-mapped IPv6 addresses are normalised before comparison', () => {
  assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeAddress('[::1]'), '::1');
  assert.equal(normalizeAddress('FE80::1'), 'fe80::1');
});

test('CIDR matching', () => {
  assert.ok(cidrContains('10.0.0.0/8', '10.1.2.3'));
  assert.ok(cidrContains('10.0.0.0/8', '::ffff:10.1.2.3'));
  assert.ok(!cidrContains('10.0.0.0/8', '11.0.0.1'));
  assert.ok(cidrContains('192.168.1.0/25', '192.168.1.127'));
  assert.ok(!cidrContains('192.168.1.0/25', '192.168.1.128'));
  assert.ok(cidrContains('fd00::/8', 'fd12::1'));
  assert.ok(!cidrContains('fd00::/8', '10.0.0.1'));
  assert.ok(cidrContains('0.0.0.0/0', '8.8.8.8'));
});
