/**
 * h1-case-adjust (src/http/h1-case-adjust.ts): the global map from
 * `h1-case-adjust` lines and the last `h1-case-adjust-file`, and the in-place
 * rewrite of a serialized head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../helpers/load-config.js';
import { adjustHeadCase, caseMapOf } from '../../../src/http/h1-case-adjust.js';

test('the map merges h1-case-adjust lines and the file (comments, blanks, tabs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'case-adjust-'));
  const file = join(dir, 'hdrs');
  writeFileSync(file, '# comment\n\n  x-forwarded-for\tX-Forwarded-For  \nwww-authenticate WWW-Authenticate\n');
  const r = loadConfigText(`global\n  h1-case-adjust content-length Content-Length\n  h1-case-adjust-file ${file}\n`);
  assert.deepEqual(r.alerts, []);
  const m = caseMapOf(r.model);
  assert.deepEqual([...m.entries()].sort(), [
    ['content-length', 'Content-Length'],
    ['www-authenticate', 'WWW-Authenticate'],
    ['x-forwarded-for', 'X-Forwarded-For'],
  ]);
  assert.equal(caseMapOf(r.model), m, 'computed once per configuration');
});

test('adjustHeadCase rewrites only the listed names, in place', () => {
  const m = new Map([['content-length', 'Content-Length'], ['etag', 'ETag']]);
  const head = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 3\r\netag: "x"\r\nx-other: content-length: 1\r\n\r\n', 'latin1');
  const out = adjustHeadCase(head, m);
  assert.equal(out, head);
  assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nETag: "x"\r\nx-other: content-length: 1\r\n\r\n');
});

test('an empty map leaves the head alone', () => {
  const head = Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n', 'latin1');
  assert.equal(adjustHeadCase(head, new Map()).toString('latin1'), 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
});
