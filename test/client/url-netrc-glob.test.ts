// Pure helpers of the client: URL parsing, ~/.netrc lookup, mirror globs, CLI exit-code mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFtpUrl, lookupNetrc, globMatches, FtpgateError, ErrorCodes } from '../../src/client/index.js';
import { exitCodeFor, EXIT } from '../../src/cli/client-exit-codes.js';

test('parseFtpUrl: schemes, ports, credentials, relative and absolute paths', () => {
  assert.deepEqual(parseFtpUrl('ftp://h/dir/f.txt'), { host: 'h', port: 21, user: undefined, password: undefined, secure: false, path: 'dir/f.txt' });
  assert.deepEqual(parseFtpUrl('ftps://u:p%40ss@h:2990//abs/x'), { host: 'h', port: 2990, user: 'u', password: 'p@ss', secure: 'implicit', path: '/abs/x' });
  assert.equal(parseFtpUrl('ftps://h/').port, 990);
  assert.equal(parseFtpUrl('ftpes://h/').secure, 'explicit');
  assert.equal(parseFtpUrl('ftp://[::1]:2121/a%20b').host, '::1');
  assert.equal(parseFtpUrl('ftp://[::1]:2121/a%20b').path, 'a b');
  assert.throws(() => parseFtpUrl('http://h/'), (e: FtpgateError) => e.code === ErrorCodes.CLIENT_USAGE);
  assert.throws(() => parseFtpUrl('not a url'), (e: FtpgateError) => e.code === ErrorCodes.CLIENT_USAGE);
});

test('lookupNetrc: machine, login match, default, quoted values, comments, macdef', () => {
  const text = [
    '# comment',
    'machine a.example login alice password "pa ss"',
    'machine a.example login bob password b0b',
    'macdef init',
    'cd /pub',
    'machine fake password nope',
    '',
    'default login anonymous password me@',
  ].join('\n');
  assert.deepEqual(lookupNetrc(text, 'A.example'), { login: 'alice', password: 'pa ss' });
  assert.deepEqual(lookupNetrc(text, 'a.example', 'bob'), { login: 'bob', password: 'b0b' });
  assert.deepEqual(lookupNetrc(text, 'other'), { login: 'anonymous', password: 'me@' });
  assert.deepEqual(lookupNetrc(text, 'fake'), { login: 'anonymous', password: 'me@' }, 'macdef body is not parsed as entries');
  assert.equal(lookupNetrc('machine x login y password z', 'q'), undefined);
});

test('globMatches: basename patterns, path patterns, **, classes', () => {
  assert.ok(globMatches('*.bin', 'a/b/c.bin'));
  assert.ok(!globMatches('*.bin', 'a/b/c.bint'));
  assert.ok(globMatches('sub/*', 'sub/x'));
  assert.ok(!globMatches('sub/*', 'sub/x/y'));
  assert.ok(globMatches('sub/**', 'sub/x/y'));
  assert.ok(globMatches('**/y', 'sub/x/y'));
  assert.ok(globMatches('**/y', 'y'));
  assert.ok(globMatches('f?.[ch]', 'f1.c'));
  assert.ok(!globMatches('f?.[!ch]', 'f1.c'));
  assert.ok(globMatches('a.b+c', 'a.b+c'));
  assert.ok(!globMatches('a.b', 'axb'));
});

test('exit codes map from stable error codes', () => {
  const e = (code: string) => new FtpgateError(code, 'x');
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_USAGE)), EXIT.USAGE);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_CONNECT)), EXIT.CONNECT);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_TLS)), EXIT.CONNECT);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_LOGIN)), EXIT.LOGIN);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_REPLY)), EXIT.REMOTE);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_DATA_CONNECT)), EXIT.DATA_CONNECTION);
  assert.equal(exitCodeFor(e(ErrorCodes.CLIENT_TIMEOUT)), EXIT.PROTOCOL);
  assert.equal(exitCodeFor(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open' })), EXIT.LOCAL);
  assert.equal(exitCodeFor(new Error('?')), EXIT.OTHER);
});
