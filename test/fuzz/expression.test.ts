/** Property tests: the expression, ACL, condition and log-format parsers never throw. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAclLine } from '../../src/acl/acl.js';
import { parseCondition } from '../../src/acl/condition.js';
import { parseSampleExpression } from '../../src/sample/expression.js';
import { parseLogFormat } from '../../src/sample/log-format.js';
import type { ParseCtx } from '../../src/sample/types.js';

const ctx: ParseCtx = { place: { file: 'f', line: 1 }, usage: 'http-request', proxyMode: 'http', proxyCap: { frontend: true, backend: true } };
const pieces = ['src', 'req.hdr', 'str', 'int', 'bin', 'var', 'payload_lv', 'hdr_beg', 'path', 'lower', 'ipmask', 'field', 'map', 'regsub', 'add',
  '(', ')', ',', '"', "'", '\\', '1', 'x', 'txn.x', '-1', '24', '::1', '{', '}', '!', 'or', '-m', '-i', '-f', 'int', 'found', '%', '[', ']', '%{+Q}', ' '];
const token = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 }));
const word = fc.array(token, { maxLength: 8 }).map((a) => a.join(''));
const words = fc.array(word, { maxLength: 6 });

function wellFormed(r: { ok: boolean; message?: string }): boolean {
  return r.ok || (typeof r.message === 'string' && r.message.length > 0);
}

test('parseSampleExpression never throws', () => {
  fc.assert(fc.property(words, (w) => {
    const r = parseSampleExpression(w.length === 0 ? [''] : w, 0, ctx);
    assert.ok(wellFormed(r));
    if (r.ok) assert.ok(r.next >= 1 && r.next <= Math.max(1, w.length));
  }), { numRuns: 2000 });
});

test('parseAclLine and parseCondition never throw', () => {
  const scope = { lookup: () => undefined };
  fc.assert(fc.property(words, (w) => {
    assert.ok(wellFormed(parseAclLine(['a', ...w], { ...ctx, usage: 'acl' })));
    assert.ok(wellFormed(parseCondition(['if', ...w], 0, scope, ctx)));
  }), { numRuns: 1500 });
});

test('parseLogFormat never throws', () => {
  fc.assert(fc.property(word, fc.constantFrom<ParseCtx['usage']>('http-request', 'log-format', 'use_backend'), (f, usage) => {
    assert.ok(wellFormed(parseLogFormat(f, { ...ctx, usage })));
  }), { numRuns: 2000 });
});

test('mutated valid expressions never throw', () => {
  const valid = ['req.hdr(host,1),lower,field(1,:)', 'src,ipmask(24,64)', 'str("a,b"),concat(x,txn.y,z)', 'payload_lv(0,1,+2),hex', 'var(txn.x,1),add(txn.y)'];
  fc.assert(fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat(), fc.constantFrom('', '(', ')', ',', '"', '\\', 'x'), (v, a, b, ins) => {
    const i = a % (v.length + 1);
    const j = Math.min(v.length, i + (b % 3));
    const m = v.slice(0, i) + ins + v.slice(j);
    assert.ok(wellFormed(parseSampleExpression([m], 0, ctx)));
    assert.ok(wellFormed(parseLogFormat(`%[${m}]`, ctx)));
  }), { numRuns: 2000 });
});
