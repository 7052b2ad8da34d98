// Reply formatting and parsing: table-driven, input split at every byte, and a property test round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatReply, parseReplies, quotePath } from '../../src/protocol/reply.js';

test('single-line and multi-line replies are well formed', () => {
  assert.equal(formatReply(200, 'ok'), '200 ok\r\n');
  assert.equal(formatReply(211, ['Features:', 'EPSV', 'End']), '211-Features:\r\n EPSV\r\n211 End\r\n');
  // a middle line that starts like a final line is indented, so it cannot end the reply early
  assert.equal(formatReply(211, ['a', '211 fake', 'z']), '211-a\r\n 211 fake\r\n211 z\r\n');
});

test('CR, LF and NUL in reply text cannot forge lines (SECURITY)', () => {
  const out = formatReply(550, 'evil\r\n230 logged in\0');
  assert.equal(out.split('\r\n').length, 2);
  assert.ok(!out.slice(0, -2).includes('\n'));
  assert.equal(quotePath('/a"b\nc'), '"/a""b c"');
});

test('parseReplies handles chunks split at every byte', () => {
  const wire = '220-Welcome\r\n220-second\r\n  indented\r\n220 ready\r\n331 Password required\r\n';
  for (let i = 0; i <= wire.length; i++) {
    let rest = '';
    const got: number[] = [];
    for (const part of [wire.slice(0, i), wire.slice(i)]) {
      const r = parseReplies(rest + part);
      rest = r.rest;
      got.push(...r.messages.map((m) => m.code));
    }
    assert.deepEqual(got, [220, 331], `split at ${i}`);
    assert.equal(rest, '');
  }
});

test('parseReplies caps a reply that never ends', () => {
  assert.throws(() => parseReplies('220-' + 'x'.repeat(100) + '\r\n' + 'y'.repeat(200), 128), /exceeds/);
});

test('property: formatted replies parse back to the same code and lines', () => {
  fc.assert(fc.property(fc.integer({ min: 100, max: 599 }), fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 6 }), (code, lines) => {
    const { messages, rest } = parseReplies(formatReply(code, lines));
    assert.equal(rest, '');
    assert.equal(messages.length, 1);
    assert.equal(messages[0].code, code);
    assert.equal(messages[0].lines.length, lines.length);
  }));
});
