// Unit tests of the rules model: defaults, validation messages, channel planning, comments on every rule, the seeds' pitfall warnings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FORMATS, RulesOptionError, generateRules, planRules, resolveOptions, LINUX_EPHEMERAL, type Format, type RulesOptions,
} from '../../src/firewall/index.js';
import { serverFactsFromYaml, optionsFromCli } from '../../src/cli/rules.js';
import { SETUPS, isV6 } from './matrix.js';

function throwsOption(fn: () => unknown, option: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RulesOptionError, `expected RulesOptionError, got ${String(e)}`);
    assert.equal(e.code, 'FTPGATE_ERR_FIREWALL_BAD_OPTION');
    assert.equal(e.option, option);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const formatsFor = (o: RulesOptions, v6: boolean): Format[] =>
  FORMATS.filter((f) => !(o.role === 'router' && f === 'windows') && !(v6 && (f === 'iptables' || f === 'cisco' || f === 'h3c')));

describe('options: defaults and validation', () => {
  it('fills the defaults of the seeds: port 21, both modes, active from 20, 50000-50100, no helper, add-on rules', () => {
    const o = resolveOptions({ role: 'server' });
    assert.deepEqual(o.modes, ['active', 'passive']);
    assert.equal(o.controlPort, 21);
    assert.deepEqual(o.pasvPorts, { min: 50000, max: 50100 });
    assert.equal(o.activeSourcePort, 20);
    assert.equal(o.helper, false);
    assert.equal(o.standalone, false);
    assert.deepEqual(o.nftTable, { family: 'inet', name: 'filter' });
  });

  it('client role: remote passive ports default to 1024-65535 (servers it does not configure)', () => {
    assert.deepEqual(resolveOptions({ role: 'client' }).pasvPorts, { min: 1024, max: 65535 });
  });

  const bad: [string, RulesOptions, string, RegExp][] = [
    ['unknown role', { role: 'gateway' as never }, '--role', /server, client or router/],
    ['unknown mode', { role: 'server', modes: ['passiv' as never] }, '--modes', /active, passive/],
    ['no modes', { role: 'server', modes: [] }, '--modes', /at least one/],
    ['reversed range', { role: 'server', pasvPorts: { min: 50100, max: 50000 } }, '--pasv-ports', /MIN <= MAX/],
    ['privileged range', { role: 'server', pasvPorts: { min: 1000, max: 2000 } }, '--pasv-ports', /1024-65535/],
    ['range with the control port', { role: 'server', controlPort: 2121, pasvPorts: { min: 2000, max: 3000 } }, '--pasv-ports', /control port 2121/],
    ['bad control port', { role: 'server', controlPort: 70000 }, '--control-port', /1-65535/],
    ['bad CIDR', { role: 'server', clientNet: '10.0.0.0/33' }, '--client-net', /203\.0\.113\.0\/24/],
    ['bad address', { role: 'server', serverAddress: 'ftp.example.com' }, '--server-address', /IP address/],
    ['interface injection', { role: 'server', ifaceIn: 'eth0" accept; #' }, '--iface-in', /interface name/],
    ['nat on a host', { role: 'server', nat: true }, '--nat', /--role router/],
    ['router without sides', { role: 'router' }, '--role router', /--server-address .* --client-net/],
    ['DNAT without outside', { role: 'router', nat: true, serverAddress: '10.0.0.5' }, '--nat', /--iface-out .* --public-address/],
    ['masquerade without outside', { role: 'router', nat: true, clientNet: '10.0.0.0/24', publicAddress: '203.0.113.1' }, '--nat', /--iface-out/],
    ['bad nft table', { role: 'server', nftTable: 'filter' }, '--nft-table', /inet filter/],
    ['zero max connections', { role: 'server', maxConnections: 0 }, '--max-connections', />= 1/],
    ['IPv6 address for an ip table', { role: 'server', serverAddress: '2001:db8::1', nftTable: 'ip filter' }, '--server-address', /"inet" table/],
  ];
  for (const [name, opts, option, re] of bad) {
    it(`rejects ${name}, naming ${option} and the fix`, () => throwsOption(() => resolveOptions(opts), option, re));
  }

  it('format limits: iptables/cisco/h3c refuse IPv6, windows refuses a router, unknown formats are named', () => {
    for (const f of ['iptables', 'cisco', 'h3c'] as Format[]) {
      throwsOption(() => generateRules({ role: 'server', serverAddress: '2001:db8::1' }, f), '--server-address', /IPv4 only/);
    }
    throwsOption(() => generateRules({ role: 'router', serverAddress: '10.0.0.5' }, 'windows'), '--role', /host firewall/);
    throwsOption(() => generateRules({ role: 'server' }, 'ufw' as Format), '--format', /nftables, iptables, pf, cisco, h3c, windows/);
  });
});

describe('plan: the four channels of the seeds per mode', () => {
  it('server, static: ch1 in, ch2 out, passive ch3 in to the range, ch4 out; active ch3 out from 20, ch4 in', () => {
    const o = resolveOptions({ role: 'server' });
    const p = planRules(o, { ephemeral: LINUX_EPHEMERAL });
    const sig = p.rules.map((r) => `${r.mode}:${r.channel}:${r.dir}:${r.state}:${r.localPort.min}-${r.localPort.max}`);
    assert.deepEqual(sig, [
      'control:1:in:open:21-21', 'control:2:out:reply:21-21',
      'active:3:out:open:20-20', 'active:4:in:reply:20-20',
      'passive:3:in:open:50000-50100', 'passive:4:out:reply:50000-50100',
    ]);
    assert.ok(p.rules.every((r) => /^ch[1-4]\/4 /.test(r.comment)));
    assert.equal(p.helpers.length, 0);
  });

  it('client: active data comes in to the client\'s ephemeral ports from port 20, passive goes out', () => {
    const p = planRules(resolveOptions({ role: 'client' }), { ephemeral: LINUX_EPHEMERAL });
    const act = p.rules.find((r) => r.mode === 'active' && r.channel === 3)!;
    assert.equal(act.dir, 'in');
    assert.deepEqual(act.localPort, LINUX_EPHEMERAL);
    assert.deepEqual(act.remotePort, { min: 20, max: 20 });
    assert.equal(p.rules.find((r) => r.mode === 'passive' && r.channel === 3)!.dir, 'out');
  });

  it('helper: data rules are marked helper and one explicit assignment per protected side', () => {
    const p = planRules(resolveOptions({ role: 'router', helper: true, serverAddress: '10.0.0.5', clientNet: '10.1.0.0/24' }), { ephemeral: LINUX_EPHEMERAL });
    assert.equal(p.helpers.length, 2);
    assert.ok(p.rules.filter((r) => r.mode !== 'control').every((r) => r.helper));
    assert.ok(p.rules.filter((r) => r.mode === 'control').every((r) => !r.helper));
  });

  it('router NAT: DNAT of the control port, plus the passive range only without the helper; masquerade of the client net', () => {
    const base: RulesOptions = { role: 'router', nat: true, serverAddress: '10.0.0.5', clientNet: '10.1.0.0/24', ifaceOut: 'wan0' };
    const st = planRules(resolveOptions(base), { ephemeral: LINUX_EPHEMERAL });
    assert.deepEqual(st.dnat!.ports, [{ min: 21, max: 21 }, { min: 50000, max: 50100 }]);
    assert.equal(st.masquerade!.net, '10.1.0.0/24');
    const h = planRules(resolveOptions({ ...base, helper: true }), { ephemeral: LINUX_EPHEMERAL });
    assert.deepEqual(h.dnat!.ports, [{ min: 21, max: 21 }]);
  });
});

describe('rendered text', () => {
  for (const s of SETUPS) {
    for (const standalone of [false, true]) {
      for (const f of formatsFor(s.options, isV6(s))) {
        it(`${s.name} ${standalone ? 'standalone' : 'add-on'} ${f}: every rule carries a comment`, () => {
          const { text } = generateRules({ ...s.options, standalone }, f);
          const lines = text.split('\n');
          lines.forEach((l, i) => {
            const prev = lines[i - 1] ?? '';
            if (f === 'nftables' && /\b(accept|drop|dnat|masquerade|ct helper set)\b/.test(l) && !/^\s*(type|add chain|#)/.test(l)) {
              assert.match(l, /comment "[^"]+"$/, `line ${i + 1}: ${l}`);
              const c = /comment "([^"]+)"$/.exec(l)![1];
              assert.ok(Buffer.byteLength(c) <= 128, `nft comments are limited to 128 bytes: ${c}`);
            }
            if (f === 'iptables' && l.startsWith('-A ')) assert.match(l, /--comment "[^"]+"/, `line ${i + 1}: ${l}`);
            if (f === 'pf' && /^(pass|match|block)\b/.test(l)) assert.match(prev, /^# /, `line ${i + 1}: ${l}`);
            if (f === 'cisco' && /^ (permit|deny) /.test(l)) assert.match(prev, /^ (remark |permit tcp any any eq)/, `line ${i + 1}: ${l}`);
            if (f === 'h3c' && /^ rule \d+ (permit|deny)/.test(l)) assert.match(lines[i + 1], new RegExp(`^ rule ${/rule (\d+)/.exec(l)![1]} comment \\S`), `line ${i + 1}: ${l}`);
            if (f === 'windows' && l.startsWith('New-NetFirewallRule')) assert.match(prev, /^# /, `line ${i + 1}: ${l}`);
          });
          // the four channels are explained for every mode that is on
          for (const ch of ['ch1/4', 'ch2/4']) assert.ok(text.includes(ch), `${ch} missing`);
        });
      }
    }
  }

  it('never opens "all ports above 1023" towards a server (the decoy problem): only the passive range', () => {
    for (const s of SETUPS.filter((x) => x.options.role !== 'client')) {
      for (const helper of [false, true]) {
        const { text } = generateRules({ ...s.options, helper, standalone: true }, 'nftables');
        for (const l of text.split('\n')) {
          if (/comment "ch3\/4 data out \(passive\)/.test(l)) assert.match(l, /dport 50000-50100/, l);
          assert.ok(!/dport 1024-65535 .*ct state new/.test(l) || !/ch3\/4 data out \(passive\)/.test(l), l);
        }
      }
    }
  });

  it('add-on output changes no policy and flushes nothing; standalone is default-deny with loopback and established', () => {
    const add = generateRules({ role: 'server' }, 'nftables').text;
    assert.ok(!/policy drop|flush|delete table/.test(add.replace(/^#.*$/gm, '')), add);
    assert.match(add, /^add rule inet filter input /m);
    const ipt = generateRules({ role: 'server' }, 'iptables').text;
    assert.ok(!/^:/m.test(ipt), 'no chain policy lines in add-on iptables output');
    assert.match(ipt, /iptables-restore --noflush/);
    const st = generateRules({ role: 'server', standalone: true, allowPorts: [22] }, 'nftables').text;
    assert.match(st, /policy drop;/);
    assert.match(st, /iif "lo" accept/);
    assert.match(st, /ct state established,related accept/);
    assert.match(st, /tcp dport 22 accept comment "--allow-port 22"/);
  });

  it('helper: nftables declares a ct helper object of type "ftp" and assigns it; iptables uses the raw table CT target', () => {
    const nft = generateRules({ role: 'server', helper: true }, 'nftables').text;
    assert.match(nft, /add ct helper inet filter ftpgate-ftp \{ type "ftp" protocol tcp; l3proto inet; \}/);
    assert.match(nft, /tcp dport 21 ct helper set "ftpgate-ftp"/);
    assert.match(nft, /ct status expected/);
    const cli = generateRules({ role: 'client', helper: true, standalone: true }, 'nftables').text;
    assert.match(cli, /type filter hook output priority filter;[^\n]*\n\t\ttcp dport 21 ct helper set/, 'client: assigned on output');
    const ipt = generateRules({ role: 'server', helper: true }, 'iptables').text;
    assert.match(ipt, /\*raw\n-A PREROUTING -p tcp --dport 21 .*-j CT --helper ftp/);
    assert.match(ipt, /--ctstatus EXPECTED -m helper --helper ftp/);
  });
});

describe('warnings: the seeds\' pitfalls', () => {
  const warn = (o: RulesOptions, f: Format = 'nftables') => generateRules(o, f).warnings.join('\n');

  it('passive range smaller than 2 x max connections: port exhaustion, with a bigger range suggested', () => {
    const w = warn({ role: 'server', pasvPorts: { min: 30000, max: 30100 }, maxConnections: 200, ephemeralRange: LINUX_EPHEMERAL });
    assert.match(w, /101 ports for up to 200 connections/);
    assert.match(w, /port exhaustion/);
    assert.match(w, /--pasv-ports 30000-30399/);
    assert.ok(!/connections/.test(warn({ role: 'server', pasvPorts: { min: 30000, max: 30399 }, maxConnections: 200 })));
  });

  it('passive range overlapping the ephemeral range (default Linux 32768-60999, or the one passed in)', () => {
    assert.match(warn({ role: 'server' }), /overlaps the ephemeral port range 32768-60999/);
    assert.ok(!/ephemeral port range/.test(warn({ role: 'server', ephemeralRange: { min: 60000, max: 61000 } })));
    assert.match(warn({ role: 'server', pasvPorts: { min: 60500, max: 60600 }, ephemeralRange: { min: 60000, max: 61000 } }), /overlaps the ephemeral port range 60000-61000/);
  });

  it('a listening service inside the passive range (the CAUTION), but not with the helper', () => {
    assert.match(warn({ role: 'server', listeningPorts: [22, 50050] }), /port 50050 inside the passive range/);
    assert.ok(!/inside the passive range/.test(warn({ role: 'server', listeningPorts: [22, 50050], helper: true })));
  });

  it('helper: explains explicit assignment and FTPS; masquerade + active without helper fails; huge ranges', () => {
    assert.match(warn({ role: 'server', helper: true }), /assigned explicitly.*automatic assignment is off/);
    assert.match(warn({ role: 'server', helper: true }), /FTPS/);
    assert.match(warn({ role: 'router', nat: true, clientNet: '10.0.0.0/24', ifaceOut: 'wan0' }), /many-to-one NAT/);
    assert.match(warn({ role: 'server', pasvPorts: { min: 1024, max: 65535 } }), /decoy/);
    assert.match(warn({ role: 'router', nat: true, serverAddress: '10.0.0.5', ifaceOut: 'wan0' }), /must advertise the public address/);
    assert.match(warn({ role: 'server', allowPorts: [22] }), /only apply with --standalone/);
    assert.ok(!/only apply with --standalone/.test(warn({ role: 'server', allowPorts: [22], standalone: true })));
  });
});

describe('--config: the server YAML keys', () => {
  it('reads listen, pasv_ports, active_source_port and max_connections', () => {
    const { facts } = serverFactsFromYaml('listen: ["0.0.0.0:21"]\npasv_ports: "40000-40199"\nactive_source_port: 20\nmax_connections: 200\npasv_address: 203.0.113.9\nroot: /srv\n', 'f.yaml');
    assert.deepEqual(facts, { controlPort: 21, listenHost: '0.0.0.0', pasvPorts: { min: 40000, max: 40199 }, activeSourcePort: 20, maxConnections: 200, pasvAddress: '203.0.113.9' });
  });

  it('missing keys take the server defaults (127.0.0.1:2121, ephemeral, 50)', () => {
    const { facts } = serverFactsFromYaml('root: /srv\n', 'f.yaml');
    assert.equal(facts.controlPort, 2121);
    assert.equal(facts.activeSourcePort, 'ephemeral');
    assert.equal(facts.maxConnections, 50);
  });

  it('bad values name the file and key', () => {
    throwsOption(() => serverFactsFromYaml('pasv_ports: "60000-50000"\n', 'a.yaml'), '--config a.yaml: pasv_ports', /MIN <= MAX/);
    throwsOption(() => serverFactsFromYaml('listen: "nope"\n', 'a.yaml'), '--config a.yaml: listen', /HOST:PORT/);
    throwsOption(() => serverFactsFromYaml('active_source_port: 21\n', 'a.yaml'), '--config a.yaml: active_source_port', /20 or ephemeral/);
    throwsOption(() => serverFactsFromYaml('max_connections: lots\n', 'a.yaml'), '--config a.yaml: max_connections', /whole number/);
    throwsOption(() => serverFactsFromYaml('[1, 2]\n', 'a.yaml'), '--config a.yaml', /mapping/);
  });

  it('flags override the file; a specific listen address becomes the server address', () => {
    const read = () => 'listen: ["10.99.0.1:2121"]\npasv_ports: "40000-40199"\n';
    const { options } = optionsFromCli({ format: 'nftables', config: 'x.yaml', pasvPorts: '41000-41099', ephemeralRange: '32768-60999' }, read);
    assert.equal(options.controlPort, 2121);
    assert.deepEqual(options.pasvPorts, { min: 41000, max: 41099 });
    assert.equal(options.serverAddress, '10.99.0.1');
  });
});
