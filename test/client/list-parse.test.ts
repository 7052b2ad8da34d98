// Listing parsers: MLSD facts, Unix, DOS/IIS and EPLF lines; unknown lines kept raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListListing, parseMlsdListing } from '../../src/client/index.js';

const NOW = new Date(Date.UTC(2024, 5, 15, 12, 0));

test('MLSD: types, size, modify; cdir/pdir dropped; names with spaces kept', () => {
  const e = parseMlsdListing([
    'type=cdir;modify=20240101000000; .',
    'type=pdir;modify=20240101000000; ..',
    'type=file;size=1234;modify=20240102030405.123;perm=r; my file.txt',
    'Type=dir;Modify=20231231235959; sub',
    'type=OS.unix=symlink;size=3; ln',
  ].join('\r\n'));
  assert.equal(e.length, 3);
  assert.deepEqual([e[0].name, e[0].type, e[0].size, e[0].modifiedAt?.toISOString()], ['my file.txt', 'file', 1234, '2024-01-02T03:04:05.123Z']);
  assert.deepEqual([e[1].name, e[1].type], ['sub', 'dir']);
  assert.deepEqual([e[2].name, e[2].type], ['ln', 'link']);
});

test('Unix LIST: files, dirs, symlinks, year and time forms, total line dropped', () => {
  const e = parseListListing([
    'total 12',
    '-rw-r--r--   1 ftp      ftp          4096 Mar  3 11:22 a file',
    'drwxr-xr-x   2 0        0            4096 Dec 31  2020 dir',
    'lrwxrwxrwx   1 user     group           7 Jun 14 09:00 link -> target',
    '-rw-r--r--   1 owner                 42 Jan  1  2019 no-group',
    'drwxr-xr-x   2 0        0            4096 Jan  1  2020 .',
  ].join('\n'), NOW);
  assert.equal(e.length, 4);
  assert.deepEqual([e[0].name, e[0].type, e[0].size, e[0].modifiedAt?.toISOString()], ['a file', 'file', 4096, '2024-03-03T11:22:00.000Z']);
  assert.deepEqual([e[1].name, e[1].type, e[1].modifiedAt?.getUTCFullYear()], ['dir', 'dir', 2020]);
  assert.deepEqual([e[2].name, e[2].type, e[2].target], ['link', 'link', 'target']);
  assert.deepEqual([e[3].name, e[3].size], ['no-group', 42]);
});

test('Unix LIST: a time-only date in the future belongs to last year', () => {
  const [e] = parseListListing('-rw-r--r-- 1 a b 1 Dec 24 10:00 x', NOW);
  assert.equal(e.modifiedAt?.getUTCFullYear(), 2023);
});

test('DOS/IIS LIST', () => {
  const e = parseListListing('01-31-24  09:05PM       <DIR>          My Dir\r\n12-01-1999  12:00AM              1234 old.txt\r\n', NOW);
  assert.deepEqual([e[0].name, e[0].type, e[0].modifiedAt?.toISOString()], ['My Dir', 'dir', '2024-01-31T21:05:00.000Z']);
  assert.deepEqual([e[1].name, e[1].type, e[1].size, e[1].modifiedAt?.toISOString()], ['old.txt', 'file', 1234, '1999-12-01T00:00:00.000Z']);
});

test('EPLF LIST', () => {
  const e = parseListListing('+i8388621.29609,m824255902,/,\t20-dir\r\n+i8388621.44468,m839956783,r,s10376,\tRFCEPLF\r\n', NOW);
  assert.deepEqual([e[0].name, e[0].type], ['20-dir', 'dir']);
  assert.deepEqual([e[1].name, e[1].type, e[1].size, e[1].modifiedAt?.getTime()], ['RFCEPLF', 'file', 10376, 839956783000]);
});

test('unknown lines are kept raw, never dropped', () => {
  const e = parseListListing('-rw-r--r-- 1 a b 1 Jan 1 2020 ok\nsomething odd here\n', NOW);
  assert.equal(e.length, 2);
  assert.deepEqual([e[1].type, e[1].name, e[1].raw], ['unknown', '', 'something odd here']);
});
