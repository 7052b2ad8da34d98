// Property tests: listing lines written by ftpgate's server formatter parse back to the same entry; no input throws
// and no line is dropped silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatListLine, formatMlsxLine, type EntryInfo } from '../../src/protocol/list-format.js';
import { parseListListing, parseMlsdListing } from '../../src/client/index.js';

const NOW = new Date(Date.UTC(2024, 6, 1, 12, 0));
const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\r\n\0/]/.test(s) && s !== '.' && s !== '..' && s.trim() === s && !s.includes(' -> '));
const entry = fc.record({
  name,
  type: fc.constantFrom('file' as const, 'dir' as const),
  size: fc.integer({ min: 0, max: 2 ** 40 }),
  mtime: fc.date({ min: new Date(Date.UTC(1990, 0, 1)), max: new Date(Date.UTC(2024, 5, 30)), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 60000) * 60000)),
  mode: fc.integer({ min: 0, max: 0o777 }),
});

test('Unix LIST lines from formatListLine parse back (name, type, size; time to the minute or day)', () => {
  fc.assert(fc.property(entry, (e) => {
    const info: EntryInfo = { ...e, perm: 'r' };
    const [p] = parseListListing(formatListLine(info, NOW), NOW);
    assert.equal(p.name, e.name);
    assert.equal(p.type, e.type);
    assert.equal(p.size, e.size);
    const recent = Math.abs(NOW.getTime() - e.mtime.getTime()) < 182 * 24 * 3600 * 1000;
    if (recent) assert.equal(p.modifiedAt?.getTime(), e.mtime.getTime());
    else assert.equal(p.modifiedAt?.getUTCFullYear(), e.mtime.getUTCFullYear());
  }), { numRuns: 500 });
});

test('MLSD lines from formatMlsxLine parse back exactly', () => {
  fc.assert(fc.property(entry, (e) => {
    const info: EntryInfo = { ...e, perm: 'r' };
    const [p] = parseMlsdListing(formatMlsxLine(info));
    assert.equal(p.name, e.name);
    assert.equal(p.type, e.type);
    if (e.type === 'file') assert.equal(p.size, e.size);
    assert.equal(p.modifiedAt?.getTime(), Math.floor(e.mtime.getTime() / 1000) * 1000);
  }), { numRuns: 500 });
});

test('arbitrary text never throws, and every line comes back as an entry or is a total/./.. line', () => {
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, ' ')), { maxLength: 20 }), (lines) => {
    const text = lines.join('\r\n');
    const list = parseListListing(text, NOW);
    const mlsd = parseMlsdListing(text);
    const kept = lines.filter((l) => l.trim() !== '');
    assert.ok(list.length <= kept.length && mlsd.length <= kept.length);
    const droppedList = kept.length - list.length;
    const explained = kept.filter((l) => /^total\s+\d+/i.test(l) || / \.\.?$/.test(l) || /\t\.\.?$/.test(l)).length;
    assert.ok(droppedList <= explained, `dropped ${droppedList} lines, only ${explained} are total/./..`);
    for (const e of [...list, ...mlsd]) assert.ok(e.type !== 'unknown' || e.raw.trim() !== '');
  }), { numRuns: 300 });
});
