/**
 * Properties of the `normalize-uri` normalizers (src/http/normalize-uri.ts):
 * they never throw, keep what they must not touch (the query for the path-*
 * normalizers, the path for query-sort-by-name), reach a fixed point where
 * haproxy's algorithm does, and agree with the examples of configuration.txt
 * §4.2 "http-request normalize-uri". Byte-for-byte agreement with haproxy on
 * pseudo-random paths is checked by test/compat/http/rules-more.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fragmentEncode, fragmentStrip, normalizeTarget, pathMergeSlashes, pathStripDot, pathStripDotdot, percentDecodeUnreserved,
  percentToUppercase, querySortByName, type NormalizerName,
} from '../../src/http/normalize-uri.js';

const pieces = ['/', '/', '.', '..', 'a', 'B', '%', '%2e', '%2E', '%41', '%6f', '%zz', '%7', '~', '-', '#', '=', '&', 'x=1'];
const path = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((p) => `/${p.join('')}`.replace(/[?]/g, ''));
const query = fc.array(fc.constantFrom('a', 'b', 'aa', '=', '1', '&', '', 'B=2'), { maxLength: 8 }).map((q) => `?${q.join('')}`);
const NAMES: NormalizerName[] = ['fragment-encode', 'fragment-strip', 'path-merge-slashes', 'path-strip-dot', 'path-strip-dotdot',
  'percent-decode-unreserved', 'percent-to-uppercase', 'query-sort-by-name'];

describe('normalize-uri properties', () => {
  it('never throws and returns a string or invalid', () => {
    fc.assert(fc.property(path, fc.option(query), fc.constantFrom(...NAMES), fc.boolean(), (p, q, n, opt) => {
      const r = normalizeTarget(p + (q ?? ''), n, opt);
      assert.ok(typeof r === 'string' || r.invalid === true);
    }), { numRuns: 2000 });
  });

  it('path normalizers leave the query string as it is', () => {
    fc.assert(fc.property(path, query, fc.constantFrom<NormalizerName>('path-merge-slashes', 'path-strip-dot', 'path-strip-dotdot'), fc.boolean(), (p, q, n, full) => {
      const r = normalizeTarget(p + q, n, full);
      assert.equal(typeof r, 'string');
      assert.ok((r as string).endsWith(q));
    }), { numRuns: 1000 });
  });

  it('query-sort-by-name keeps the path and permutes the parameters, sorted by name', () => {
    fc.assert(fc.property(path, query, (p, q) => {
      const r = normalizeTarget(p + q, 'query-sort-by-name', false) as string;
      assert.ok(r.startsWith(`${p}?`));
      const out = r.slice(p.length + 1);
      const params = q.slice(1).replace(/&$/, '').split('&');
      const sorted = out === '' ? [''] : out.split('&');
      if (q.length > 1) assert.deepEqual([...sorted].sort(), [...params].sort());
      const names = sorted.map((x) => x.split('=')[0]!);
      for (let i = 1; i < names.length; i++) assert.ok(Buffer.compare(Buffer.from(names[i - 1]!), Buffer.from(names[i]!)) <= 0);
    }), { numRuns: 1000 });
  });

  it('merge-slashes, strip-dot, percent-to-uppercase and fragment-strip are idempotent', () => {
    fc.assert(fc.property(path, (p) => {
      assert.equal(pathMergeSlashes(pathMergeSlashes(p)), pathMergeSlashes(p));
      assert.ok(!pathMergeSlashes(p).includes('//'));
      assert.equal(pathStripDot(pathStripDot(p)), pathStripDot(p));
      const up = percentToUppercase(p, false) as string;
      assert.equal(percentToUppercase(up, false), up);
      assert.equal(up.length, p.length);
      assert.equal(fragmentStrip(fragmentStrip(p)), fragmentStrip(p));
      assert.ok(!fragmentEncode(p).includes('#'));
    }), { numRuns: 1000 });
  });

  it('path-strip-dotdot full leaves no ".." segment and never grows the path', () => {
    fc.assert(fc.property(path, (p) => {
      const r = pathStripDotdot(p, true);
      assert.ok(!r.split('/').includes('..'), `${p} -> ${r}`);
      assert.ok(pathStripDotdot(p, false).length <= p.length + 1);
    }), { numRuns: 2000 });
  });

  it('strict percent normalizers refuse exactly the bare "%"', () => {
    fc.assert(fc.property(path, (p) => {
      const bare = /%(?![0-9A-Fa-f]{2})/.test(p.replace(/%[0-9A-Fa-f]{2}/g, 'xxx'));
      assert.equal(typeof percentToUppercase(p, true) !== 'string', bare);
      assert.equal(typeof percentDecodeUnreserved(p, true) !== 'string', bare);
    }), { numRuns: 2000 });
  });
});

describe('normalize-uri: the examples of configuration.txt', () => {
  const cases: Array<[NormalizerName, boolean, string, string | 'invalid']> = [
    ['fragment-encode', false, '/#foo', '/%23foo'],
    ['fragment-strip', false, '/#foo', '/'],
    ['path-strip-dot', false, '/.', '/'],
    ['path-strip-dot', false, '/./bar/', '/bar/'],
    ['path-strip-dot', false, '/a/./a', '/a/a'],
    ['path-strip-dot', false, '/.well-known/', '/.well-known/'],
    ['path-strip-dotdot', false, '/foo/../', '/'],
    ['path-strip-dotdot', false, '/foo/../bar/', '/bar/'],
    ['path-strip-dotdot', false, '/foo/bar/../', '/foo/'],
    ['path-strip-dotdot', false, '/../bar/', '/../bar/'],
    ['path-strip-dotdot', false, '/bar/../../', '/../'],
    ['path-strip-dotdot', false, '/foo//../', '/foo/'],
    ['path-strip-dotdot', false, '/foo/%2E%2E/', '/foo/%2E%2E/'],
    ['path-strip-dotdot', true, '/../bar/', '/bar/'],
    ['path-strip-dotdot', true, '/bar/../../', '/'],
    ['path-merge-slashes', false, '//', '/'],
    ['path-merge-slashes', false, '/foo//bar', '/foo/bar'],
    ['percent-decode-unreserved', false, '/%61dmin', '/admin'],
    ['percent-decode-unreserved', false, '/foo%3Fbar=baz', '/foo%3Fbar=baz'],
    ['percent-decode-unreserved', false, '/%%36%36', '/%66'],
    ['percent-decode-unreserved', false, '/%ZZ', '/%ZZ'],
    ['percent-decode-unreserved', true, '/%%36%36', 'invalid'],
    ['percent-decode-unreserved', true, '/%ZZ', 'invalid'],
    ['percent-to-uppercase', false, '/%6f', '/%6F'],
    ['percent-to-uppercase', false, '/%zz', '/%zz'],
    ['percent-to-uppercase', true, '/%zz', 'invalid'],
    ['query-sort-by-name', false, '/?c=3&a=1&b=2', '/?a=1&b=2&c=3'],
    ['query-sort-by-name', false, '/?aaa=3&a=1&aa=2', '/?a=1&aa=2&aaa=3'],
    ['query-sort-by-name', false, '/?a=3&b=4&a=1&b=5&a=2', '/?a=3&a=1&a=2&b=4&b=5'],
    // Checked against haproxy 2.6.12:
    ['query-sort-by-name', false, '/?a=1&', '/?a=1'],
    ['query-sort-by-name', false, '/?&&b&a', '/?&&a&b'],
    ['path-strip-dot', false, '//./', '//'],
    ['path-strip-dotdot', false, '/..', '/../'],
    ['path-strip-dotdot', true, '/a//../..', '/'],
    ['path-strip-dotdot', false, 'http://h/a/../b?x', 'http://h/b?x'],
  ];
  for (const [n, opt, input, want] of cases) {
    it(`${n}${opt ? ' (option)' : ''}: ${input}`, () => {
      const r = normalizeTarget(input, n, opt);
      assert.deepEqual(typeof r === 'string' ? r : 'invalid', want);
    });
  }
  it('query-sort-by-name on a path without query is a no-op', () => {
    assert.equal(querySortByName(''), '');
    assert.equal(querySortByName('?'), '?');
  });
});
