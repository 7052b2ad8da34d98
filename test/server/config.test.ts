// Configuration: YAML keys and flags share one table; invalid values fail with the key and the fix named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRaw, finalizeConfig, parseListen, type ServerConfig } from '../../src/server/config.js';

const base = { root: '/tmp', users: [{ name: 'u', password: 'p' }] };

test('listen addresses, IPv4 and IPv6', () => {
  assert.deepEqual(parseListen('0.0.0.0:21'), { host: '0.0.0.0', port: 21 });
  assert.deepEqual(parseListen('[::1]:2121'), { host: '::1', port: 2121 });
  assert.throws(() => parseListen('localhost'), /HOST:PORT/);
});

test('YAML keys map onto the config, unknown keys are named', () => {
  const cfg: Partial<ServerConfig> = {};
  applyRaw(cfg, { listen: ['[::1]:21', '127.0.0.1:21'], pasv_ports: '40000-40999', pasv_address: '203.0.113.5', pasv_address_overrides: [{ cidr: '10.0.0.0/8', address: '10.0.0.5' }], active_source_port: 20, max_connections: 100 }, 'yaml');
  assert.equal(cfg.listen?.length, 2);
  assert.deepEqual(cfg.pasvPorts, { min: 40000, max: 40999 });
  assert.equal(cfg.activeSourcePort, 20);
  assert.deepEqual(cfg.pasvAddressOverrides, [{ cidr: '10.0.0.0/8', address: '10.0.0.5' }]);
  assert.throws(() => applyRaw({}, { pasv_port: '1-2' }, 'yaml'), /"pasv_port": unknown key/);
  assert.throws(() => applyRaw({}, { pasv_ports: '900-1000' }, 'yaml'), /"pasv_ports".*1024 <= MIN/);
  assert.throws(() => applyRaw({}, { active_source_port: 21 }, 'yaml'), /"active_source_port".*20 or ephemeral/);
  assert.throws(() => applyRaw({}, { pasv_address_overrides: [{ cidr: '10.0.0.0/33', address: 'x' }] }, 'yaml'), /pasv_address_overrides\[0\]\.cidr/);
  assert.throws(() => applyRaw({}, { max_connections: 'many' }, 'yaml'), /"max_connections".*integer/);
});

test('a passive range too small for the connection limit warns about port exhaustion', () => {
  const { warnings } = finalizeConfig({ ...base, pasvPorts: { min: 50000, max: 50009 }, maxConnections: 50 });
  assert.equal(warnings.length >= 1, true);
  assert.match(warnings[0], /pasv_ports 50000-50009 has 10 ports for max_connections 50.*TIME_WAIT.*at least 100/);
  assert.equal(finalizeConfig({ ...base, pasvPorts: { min: 50000, max: 50099 }, maxConnections: 50 }).warnings.length, 0);
});

test('impossible combinations fail at start', () => {
  assert.throws(() => finalizeConfig({ root: '/tmp' }), /no way to log in/);
  assert.throws(() => finalizeConfig({ ...base, tlsCert: '/x' }), /"tls_key"/);
  assert.throws(() => finalizeConfig({ ...base, requireTls: true }), /"require_tls"/);
  assert.throws(() => finalizeConfig({ ...base, pasvAddress: '2001:db8::1' }), /"pasv_address".*EPSV/);
  assert.throws(() => finalizeConfig({ ...base, anonymousWrite: true }), /"anonymous_write"/);
});
