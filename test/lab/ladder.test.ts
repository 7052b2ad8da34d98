// Unit tests of the lab's recorder pipeline without namespaces: nft trace lines → chain passes → attempts → ladder text/SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAttempts, describeAttempt, ruleText } from './connection-log.js';
import { renderSvg, renderText } from './ladder.js';
import type { VariantRun } from './run-scenario.js';
import { SCENARIOS } from './scenarios.js';
import { PLANS, type Role } from './topology.js';
import { PassBuilder, parseTraceLine, TCP, TRACE_TABLE } from './trace.js';

const pkt = (iface: string, s: string, sp: number, d: string, dp: number, flags: string) =>
  `${iface} ether saddr a2:4d:64:19:58:af ether daddr 22:4d:7a:8b:56:93 ip saddr ${s} ip daddr ${d} ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 53789 ip protocol tcp ip length 60 tcp sport ${sp} tcp dport ${dp} tcp flags == ${flags} tcp window 64240 `;

test('parseTraceLine reads packet, rule and policy lines of nft monitor trace', () => {
  const p = parseTraceLine(`trace id 7f9cf631 inet ${TRACE_TABLE} pre packet: ${pkt('iif "cnet"', '198.51.100.10', 50200, '203.0.113.10', 21, 'syn')}`);
  assert.equal(p?.kind, 'packet');
  assert.deepEqual(p?.packet, { iif: 'cnet', oif: undefined, saddr: '198.51.100.10', daddr: '203.0.113.10', sport: 50200, dport: 21, flags: TCP.SYN });
  const synAck = parseTraceLine(`trace id c904415d inet fw forward packet: ${pkt('iif "snet" oif "cnet"', '203.0.113.10', 21, '198.51.100.10', 50200, '0x12')}`);
  assert.equal(synAck?.packet?.flags, TCP.SYN | TCP.ACK);
  assert.equal(synAck?.packet?.oif, 'cnet');
  const named = parseTraceLine(`trace id 1 inet fw forward packet: ${pkt('iif "snet"', '203.0.113.10', 21, '198.51.100.10', 50200, 'rst | ack')}`);
  assert.equal(named?.packet?.flags, TCP.RST | TCP.ACK);
  const rule = parseTraceLine('trace id cd8c13b8 inet fw forward rule iifname "cnet" oifname "snet" accept comment "inside may open (any) connection" (verdict accept)');
  assert.deepEqual([rule?.kind, rule?.rule, rule?.verdict], ['rule', 'iifname "cnet" oifname "snet" accept comment "inside may open (any) connection"', 'accept']);
  const policy = parseTraceLine('trace id 042682fd inet fw forward policy drop ');
  assert.deepEqual([policy?.kind, policy?.verdict], ['policy', 'drop']);
  assert.equal(parseTraceLine('not a trace line'), undefined);
  assert.equal(ruleText('ct state established,related accept comment "replies"'), 'ct state established,related accept — "replies"');
});

/** Feeds the story of scenario 3's active mode: control connection accepted, server's data SYNs dropped at fw. */
function scenario3Passes() {
  const b = new PassBuilder();
  let t = 0;
  const feed = (role: Role, lines: string[]) => {
    t += 1;
    for (const l of lines) b.add(role, t, parseTraceLine(l)!);
  };
  const C = '198.51.100.10';
  const S = '203.0.113.10';
  feed('client', [`trace id a1 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', C, 40000, S, 21, 'syn')}`, `trace id a1 inet ${TRACE_TABLE} out policy accept`]);
  feed('fw', [`trace id a2 inet ${TRACE_TABLE} pre packet: ${pkt('iif "cnet"', C, 40000, S, 21, 'syn')}`, `trace id a3 inet fw forward packet: ${pkt('iif "cnet" oif "snet"', C, 40000, S, 21, 'syn')}`, 'trace id a3 inet fw forward rule iifname "cnet" oifname "snet" accept (verdict accept)']);
  feed('server', [`trace id a4 inet ${TRACE_TABLE} pre packet: ${pkt('iif "eth0"', C, 40000, S, 21, 'syn')}`, `trace id a5 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', S, 21, C, 40000, '0x12')}`]);
  for (let i = 0; i < 3; i++) {
    feed('server', [`trace id b${i} inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', S, 20, C, 45000, 'syn')}`, `trace id b${i} inet ${TRACE_TABLE} out policy accept`]);
    feed('fw', [`trace id c${i} inet ${TRACE_TABLE} pre packet: ${pkt('iif "snet"', S, 20, C, 45000, 'syn')}`, `trace id d${i} inet fw forward packet: ${pkt('iif "snet" oif "cnet"', S, 20, C, 45000, 'syn')}`, `trace id d${i} inet fw forward policy drop`]);
  }
  return b.passes;
}

test('buildAttempts: accepted control connection, dropped active data connection with the dropping rule and SYN count', () => {
  const plan = PLANS.public;
  const roles = { roleOf: (a: string) => (a === plan.client ? 'client' : a === plan.server ? 'server' : undefined) as Role | undefined };
  const attempts = buildAttempts(scenario3Passes(), roles);
  assert.equal(attempts.length, 2);
  const [ctl, data] = attempts;
  assert.deepEqual([ctl.from, ctl.to, ctl.dst.port, ctl.outcome], ['client', 'server', 21, 'accepted']);
  assert.deepEqual(ctl.acceptedBy, [{ role: 'fw', chain: 'fw forward', rule: 'iifname "cnet" oifname "snet" accept' }]);
  assert.deepEqual([data.from, data.to, data.src.port, data.dst.port, data.outcome, data.syns], ['server', 'client', 20, 45000, 'dropped', 3]);
  assert.deepEqual(data.droppedBy, { role: 'fw', chain: 'fw forward', rule: 'policy drop' });
  assert.match(describeAttempt(data), /server 203\.0\.113\.10:20 → 198\.51\.100\.10:45000 \[client\] ×3 SYN: DROPPED at fw by \[fw forward\] policy drop/);
});

test('renderText and renderSvg draw the drop at the fw lane and the verdict', () => {
  const v = SCENARIOS[2].variants[0];
  const plan = PLANS.public;
  const roles = { roleOf: (a: string) => (a === plan.client ? 'client' : a === plan.server ? 'server' : undefined) as Role | undefined };
  const attempts = buildAttempts(scenario3Passes(), roles);
  const run: VariantRun = {
    variant: v,
    serverKind: 'ftpgate',
    rulesLabel: 'hand-written nftables',
    rulesets: [],
    cells: [
      {
        mode: 'PORT',
        op: 'LIST',
        expect: 'hangs',
        start: 0,
        end: 4100,
        transfer: {
          mode: 'PORT',
          op: 'LIST',
          argv: ['curl'],
          exitCode: 28,
          ms: 4010,
          control: [
            { ms: 0.5, dir: 'reply', text: '230 User u logged in' },
            { ms: 0.6, dir: 'command', text: 'PORT 198,51,100,10,175,200' },
            { ms: 0.7, dir: 'reply', text: '200 PORT command successful' },
            { ms: 0.8, dir: 'command', text: 'USER hidden-unless-verbose' },
            { ms: 0.9, dir: 'command', text: 'LIST' },
          ],
          log: '',
          listing: '',
          bytes: 0,
        },
        attempts,
        failures: [],
      },
    ],
    gateCells: [],
    probes: [],
    attempts,
    failures: [],
    timeoutS: 4,
    gateDataTimeoutS: 3,
    ms: 4200,
    lanes: { client: [plan.client], intruder: [plan.intruder], fw: [plan.fwClientSide, plan.fwServerSide], server: [plan.server] },
    serverLog: '',
  };
  const text = renderText(run);
  assert.match(text, /PORT · LIST — expected: hangs/);
  assert.match(text, /✕━+│\s+DROPPED by fw: \[fw forward\] policy drop \(3 SYNs in 0\.0 s, no answer\)/);
  assert.match(text, /PORT 198,51,100,10,175,200/);
  assert.doesNotMatch(text, /hidden-unless-verbose/);
  assert.match(renderText(run, { verbose: true }), /hidden-unless-verbose/);
  assert.match(text, /curl gave up after 4\.01 s .*✓ hangs as expected/);
  const svg = renderSvg(run);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /DROPPED by fw: \[fw forward\] policy drop/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<svg/g) ?? []).length, 1);
});

test('buildAttempts: refused (RST), no answer, and DNAT seen as the translated destination', () => {
  const plan = PLANS['server-behind-nat'];
  const roles = { roleOf: (a: string) => (a === plan.client ? 'client' : a === plan.server ? 'server' : a === plan.fwPublic ? 'fw' : undefined) as Role | undefined };
  const b = new PassBuilder();
  const add = (role: Role, t: number, line: string) => b.add(role, t, parseTraceLine(line)!);
  const C = plan.client;
  // 1: to the public address, DNATed to the server, which answers RST (nothing listens)
  add('client', 1, `trace id e1 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', C, 41000, plan.fwPublic!, 50001, 'syn')}`);
  add('fw', 2, `trace id e2 inet ${TRACE_TABLE} pre packet: ${pkt('iif "cnet"', C, 41000, plan.fwPublic!, 50001, 'syn')}`);
  add('fw', 2, `trace id e3 inet fw forward packet: ${pkt('iif "cnet" oif "snet"', C, 41000, plan.server, 50001, 'syn')}`);
  add('fw', 2, 'trace id e3 inet fw forward rule ct status dnat accept (verdict accept)');
  add('server', 3, `trace id e4 inet ${TRACE_TABLE} pre packet: ${pkt('iif "eth0"', C, 41000, plan.server, 50001, 'syn')}`);
  add('server', 4, `trace id e5 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', plan.server, 50001, C, 41000, 'rst | ack')}`);
  // 2: accepted everywhere, never answered
  add('client', 10, `trace id f1 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', C, 42000, plan.fwPublic!, 21, 'syn')}`);
  add('client', 1010, `trace id f2 inet ${TRACE_TABLE} out packet: ${pkt('oif "eth0"', C, 42000, plan.fwPublic!, 21, 'syn')}`);
  const [refused, silent] = buildAttempts(b.passes, roles);
  assert.equal(refused.outcome, 'refused');
  assert.equal(refused.to, 'server');
  assert.deepEqual(refused.translatedDst, { addr: plan.server, port: 50001 });
  assert.deepEqual(refused.acceptedBy, [{ role: 'fw', chain: 'fw forward', rule: 'ct status dnat accept' }]);
  assert.match(describeAttempt(refused), /\(DNAT → 10\.0\.2\.10:50001\) \[server\]: refused/);
  assert.deepEqual([silent.outcome, silent.syns, silent.synTimes], ['no-answer', 2, [10, 1010]]);
});
