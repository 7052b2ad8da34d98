// Virtual paths never leave "/", listing lines and MLSx facts are well formed and carry no CR/LF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveVirtual } from '../../src/protocol/path.js';
import { formatListLine, formatMlsxLine, parseTimeVal, formatTimeVal } from '../../src/protocol/list-format.js';

test('resolveVirtual stays inside the root (SECURITY)', () => {
  assert.equal(resolveVirtual('/', '..'), '/');
  assert.equal(resolveVirtual('/a/b', '../../../../etc/passwd'), '/etc/passwd');
  assert.equal(resolveVirtual('/a', 'b/./c/'), '/a/b/c');
  assert.equal(resolveVirtual('/a', '/x//y'), '/x/y');
  assert.equal(resolveVirtual('/a', '~/z'), '/z');
  fc.assert(fc.property(fc.array(fc.constantFrom('..', '.', 'a', 'b', '', '...'), { maxLength: 10 }), (segs) => {
    const v = resolveVirtual('/q', segs.join('/'));
    assert.ok(v.startsWith('/'));
    assert.ok(!v.split('/').includes('..'));
  }));
});

test('listing lines never contain CR or LF from names (SECURITY)', () => {
  const e = { name: 'evil\r\n226 done', type: 'file' as const, size: 5, mtime: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), mode: 0o100644, perm: 'r' };
  const l = formatListLine(e, new Date(Date.UTC(2026, 0, 1)));
  assert.ok(!/[\r\n]/.test(l));
  assert.match(l, /^-rw-r--r-- +1 ftp +ftp +5 Jan  2  2020 evil\?\?226 done$/);
  const m = formatMlsxLine(e);
  assert.equal(m, 'type=file;size=5;modify=20200102030405;perm=r;UNIX.mode=0644; evil??226 done');
});

test('time-val parse/format', () => {
  const d = parseTimeVal('20240229235960');
  assert.ok(d);
  assert.equal(parseTimeVal('2024022923596'), null);
  assert.equal(parseTimeVal('20241301000000'), null);
  assert.equal(formatTimeVal(new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 7)), true), '20010203040506.007');
});
