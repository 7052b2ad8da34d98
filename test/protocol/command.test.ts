// Command line splitting (caps, Telnet, CRLF/LF), parsing, and the client's refusal of CR/LF/NUL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandLineSplitter, parseCommand, assertSafeCommand, maskCommand, stripTelnet } from '../../src/protocol/command.js';

test('splits CRLF and bare LF lines, across chunks split at every byte', () => {
  const wire = Buffer.from('USER bob\r\nPASS x y\nRETR a b.txt\r\n');
  for (let i = 0; i <= wire.length; i++) {
    const sp = new CommandLineSplitter(64);
    const lines = [...sp.push(wire.subarray(0, i)).lines, ...sp.push(wire.subarray(i)).lines];
    assert.deepEqual(lines, ['USER bob', 'PASS x y', 'RETR a b.txt'], `split at ${i}`);
  }
});

test('a line longer than the limit overflows without buffering it (SECURITY)', () => {
  const sp = new CommandLineSplitter(100);
  let overflow = false;
  for (let i = 0; i < 20 && !overflow; i++) overflow = sp.push(Buffer.alloc(64, 0x41)).overflow;
  assert.equal(overflow, true);
  assert.equal(new CommandLineSplitter(10).push(Buffer.from('A'.repeat(11) + '\r\n')).overflow, true);
  assert.equal(new CommandLineSplitter(10).push(Buffer.from('A'.repeat(10) + '\r\n')).overflow, false);
});

test('Telnet IAC sequences are removed, IAC IAC kept as 0xFF', () => {
  assert.deepEqual(stripTelnet(Buffer.from([0xff, 0xf4, 0xff, 0xf2, 0x41, 0x42])), Buffer.from('AB'));
  assert.deepEqual(stripTelnet(Buffer.from([0x41, 0xff, 0xff, 0x42])), Buffer.from([0x41, 0xff, 0x42]));
  assert.deepEqual(stripTelnet(Buffer.from([0xff, 0xfb, 0x01, 0x43])), Buffer.from('C'));
});

test('parseCommand keeps spaces inside the argument', () => {
  assert.deepEqual(parseCommand('retr my file .txt'), { verb: 'RETR', arg: 'my file .txt' });
  assert.deepEqual(parseCommand('NOOP'), { verb: 'NOOP', arg: '' });
});

test('client refuses CR, LF and NUL in commands (SECURITY)', () => {
  for (const bad of ['RETR a\r\nDELE b', 'RETR a\nb', 'RETR a\0']) assert.throws(() => assertSafeCommand(bad), { code: 'FTPGATE_ERR_PROTOCOL_UNSAFE_COMMAND' });
  assert.doesNotThrow(() => assertSafeCommand('RETR a b'));
  assert.equal(maskCommand('PASS secret'), 'PASS ****');
  assert.equal(maskCommand('USER bob'), 'USER bob');
});

test('property: no input makes the splitter hold more than the limit', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
    const sp = new CommandLineSplitter(128);
    for (const c of chunks) {
      const r = sp.push(Buffer.from(c));
      for (const l of r.lines) assert.ok(Buffer.byteLength(l) <= 128 * 3);
      if (r.overflow) break;
    }
  }));
});
