/**
 * ACL matching (src/acl/match.ts) and condition evaluation with HAProxy's
 * tri-state (src/acl/evaluate.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAclExpression, parseAclLine, addAclTerm, type AclDefinition } from '../../../src/acl/acl.js';
import { parseCondition } from '../../../src/acl/condition.js';
import { ACL_FAIL, ACL_MISS, ACL_PASS, aclNeg, compileAcl, compileCondition } from '../../../src/acl/evaluate.js';
import { compileMatcher, matchWord } from '../../../src/acl/match.js';
import { parsePattern, type AclPattern, type MatchMethod } from '../../../src/sample/converters/patterns.js';
import { BasicSampleContext } from '../../../src/sample/context.js';
import { parseIpv6, smpBin, smpBool, smpMeth, smpNum, smpStr, type Sample } from '../../../src/sample/sample.js';
import type { ParseCtx } from '../../../src/sample/types.js';

const pctx: ParseCtx = { place: { file: 't', line: 1 }, usage: 'acl' };

function pats(method: MatchMethod, texts: string[], ignoreCase = false): AclPattern[] {
  return texts.map((t) => {
    const r = parsePattern(method, t, { ignoreCase, noDns: false });
    assert.ok(r.ok, t);
    return r.pattern;
  });
}
function matches(method: MatchMethod, texts: string[], s: Sample, ignoreCase = false): number {
  return compileMatcher(method, pats(method, texts, ignoreCase), { ignoreCase }).find(s);
}
const v4 = (a: string): Sample => ({ type: 'ipv4', value: a.split('.').reduce((x, p) => x * 256 + Number(p), 0) >>> 0, flags: 0 });
const v6 = (a: string): Sample => ({ type: 'ipv6', value: parseIpv6(a)!, flags: 0 });

test('str, beg, end, sub with and without -i', () => {
  assert.equal(matches('str', ['a', 'abc'], smpStr('abc')), 1);
  assert.equal(matches('str', ['ABC'], smpStr('abc')), -1);
  assert.equal(matches('str', ['ABC'], smpStr('abc'), true), 0);
  // case folding is ASCII only (C locale)
  assert.equal(matches('str', ['\xc0'], smpStr('\xe0'), true), -1);
  assert.equal(matches('beg', ['/api', '/api/v2', '/'], smpStr('/api/v2/x')), 1, 'longest prefix');
  assert.equal(matches('beg', ['/API', '/'], smpStr('/api/x'), true), 0, '-i: first in list');
  assert.equal(matches('beg', ['x'], smpStr('')), -1);
  assert.equal(matches('end', ['.jpg', 'g'], smpStr('a.jpg')), 0, 'first in list');
  assert.equal(matches('end', ['g', '.jpg'], smpStr('a.jpg')), 0);
  assert.equal(matches('sub', ['zz', 'cd'], smpStr('abcdef')), 1);
  assert.equal(matches('sub', ['CD'], smpStr('abcdef'), true), 0);
  // integers are cast to strings for string methods
  assert.equal(matches('str', ['42'], smpNum(42)), 0);
  // binary samples stop at their first NUL when cast to strings
  assert.equal(matches('str', ['A'], smpBin(Buffer.from('41004243', 'hex'))), 0);
});

test('dir and dom follow the doc examples (and haproxy where they differ)', () => {
  const path = '/images/png/logo/32x32.png';
  // the doc says "png" does not match; haproxy 2.6 matches it (it is a whole segment)
  for (const p of ['/images', '/images/png', 'images/png', '/png/logo', 'logo/32x32.png', '32x32.png', 'png']) assert.ok(matchWord(path, p, (c) => c === 0x2f), p);
  for (const p of ['32x32', '/', 'mages']) assert.ok(!matchWord(path, p, (c) => c === 0x2f), p);
  assert.ok(matchWord('/a/', '/', (c) => c === 0x2f));
  assert.ok(!matchWord('a//b', '/', (c) => c === 0x2f));
  const url = 'http://www1.dc-eu.example.com:80/blah';
  const dom = (c: number): boolean => c === 0x2f || c === 0x3f || c === 0x2e || c === 0x3a;
  for (const p of ['http', 'www1', '.www1', 'dc-eu', 'example', 'com', '80', 'dc-eu.example', 'blah', ':www1:']) assert.ok(matchWord(url, p, dom), p);
  // the doc lists "dc-eu.example:80" as matching; haproxy 2.6 does not match it (not a substring)
  for (const p of ['eu', 'dc', 'dc-eu.example:80']) assert.ok(!matchWord(url, p, dom), p);
  assert.equal(matches('dom', ['WWW1'], smpStr(url), true), 0);
});

test('integers, lengths, versions and booleans', () => {
  assert.equal(matches('int', ['1', '5'], smpNum(5)), 1);
  assert.equal(matches('int', ['1:4', '6:'], smpNum(5)), -1);
  assert.equal(matches('int', [':0'], smpNum(-5)), 0);
  assert.equal(matches('int', ['1'], smpBool(true)), 0);
  assert.equal(matches('int', ['3:10', '5'], smpNum(5)), 0, 'first in list: the range');
  assert.equal(matches('len', ['3'], smpStr('abc')), 0);
  assert.equal(matches('ver', ['3:3.1'], smpNum(3 * 65536 + 1)), 0);
  assert.equal(matches('bool', [], smpNum(3)), 0);
  assert.equal(matches('bool', [], smpNum(0)), -1);
  assert.equal(matches('bool', [], smpStr('7')), 0);
  assert.equal(matches('found', [], smpStr('')), 0);
});

test('ip: trees with longest match, mapped and 6to4 forms, non-contiguous masks', () => {
  const list = ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.1/22', '0.0.0.5/0.0.0.255', '2001:db8::/32', '::ffff:172.16.0.0/108', '127.1'];
  assert.equal(matches('ip', list, v4('10.1.2.3')), 1);
  assert.equal(matches('ip', list, v4('10.2.0.1')), 0);
  assert.equal(matches('ip', list, v4('192.168.1.77')), 2);
  assert.equal(matches('ip', list, v4('192.168.4.77')), -1);
  assert.equal(matches('ip', list, v4('8.8.8.5')), 3);
  assert.equal(matches('ip', list, v6('2001:db8::1')), 4);
  assert.equal(matches('ip', list, v4('172.16.0.9')), 5, 'IPv4 sample looked up as ::ffff:');
  assert.equal(matches('ip', list, v6('::ffff:10.1.1.1')), 1, 'mapped');
  assert.equal(matches('ip', list, v6('::a01:101')), 1, 'compatible');
  assert.equal(matches('ip', list, v6('2002:a01:101::')), 1, '6to4');
  assert.equal(matches('ip', list, v6('::ffff:8.8.8.5')), 3, 'list after the trees');
  assert.equal(matches('ip', list, v4('127.0.0.1')), 6, 'inet_aton short form');
  assert.equal(matches('ip', ['localhost'], v4('127.0.0.1')), 0);
  assert.equal(matches('ip', list, smpStr('10.1.0.9')), 1, 'strings are cast to addresses');
  assert.equal(matches('ip', list, smpStr('nope')), -1);
});

test('bin and meth', () => {
  assert.equal(matches('bin', ['414243'], smpStr('ABC')), 0);
  assert.equal(matches('bin', ['4142'], smpBin(Buffer.from('ABC'))), -1);
  assert.equal(matches('meth', ['GET'], smpMeth('GET')), 0);
  assert.equal(matches('meth', ['get'], smpMeth('GET'), true), -1, 'a known method only matches itself');
  assert.equal(matches('meth', ['foo'], smpMeth('FOO'), true), 0);
  assert.equal(matches('meth', ['foo'], smpMeth('FOO')), -1);
});

test('thousands of patterns: set, trie and prefix maps stay fast', () => {
  const n = 20000;
  const strs = Array.from({ length: n }, (_, i) => `host${i}.example.com`);
  const exact = compileMatcher('str', pats('str', strs));
  const beg = compileMatcher('beg', pats('beg', strs.map((s) => `/${s}/`)));
  const ips = compileMatcher('ip', pats('ip', Array.from({ length: n }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`)));
  const t0 = performance.now();
  let hits = 0;
  for (let i = 0; i < n; i++) {
    if (exact.find(smpStr(`host${i}.example.com`)) >= 0) hits++;
    if (beg.find(smpStr(`/host${i}.example.com/index.html`)) >= 0) hits++;
    if (ips.find(v4(`10.${(i >> 8) & 255}.${i & 255}.7`)) >= 0) hits++;
  }
  const ms = performance.now() - t0;
  assert.equal(hits, 3 * n);
  assert.ok(ms < 1500, `took ${ms} ms`);
  assert.equal(exact.find(smpStr('host20000.example.com')), -1);
});

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

function cond(text: string, acls: string[] = []): (ctx: BasicSampleContext) => string {
  const defs = new Map<string, AclDefinition>();
  for (const l of acls) {
    const r = parseAclLine(l.split(' '), pctx);
    assert.ok(r.ok, l);
    addAclTerm(defs, r.name, r.term);
  }
  const r = parseCondition(text.split(' '), 0, { lookup: (n) => defs.get(n) }, pctx);
  assert.ok(r.ok, r.ok ? '' : r.message);
  const c = compileCondition(r.cond);
  assert.ok(c.ok, c.ok ? '' : c.message);
  return c.fn;
}

function payload(data: string, final: boolean): BasicSampleContext {
  return new BasicSampleContext({ final, req: { buf: Buffer.from(data), len: data.length } });
}

test('acl_neg and the tri-state algebra', () => {
  assert.equal(aclNeg(ACL_PASS), ACL_FAIL);
  assert.equal(aclNeg(ACL_FAIL), ACL_PASS);
  assert.equal(aclNeg(ACL_MISS), ACL_MISS);
});

test('req.len waits while data may still come (MISS), answers when final', () => {
  const f = cond('if { req.len gt 10 }');
  assert.equal(f(payload('short', false)), 'miss');
  assert.equal(f(payload('short', true)), 'false');
  assert.equal(f(payload('long enough data', false)), 'true');
  // a match is final at once; only non-matching "may change" samples miss
  assert.equal(cond('if { req.len lt 10 }')(payload('short', false)), 'true');
  // negation keeps MISS, unless keeps MISS
  assert.equal(cond('if !{ req.len gt 10 }')(payload('short', false)), 'miss');
  assert.equal(cond('unless { req.len gt 10 }')(payload('short', false)), 'miss');
  assert.equal(cond('unless { req.len gt 10 }')(payload('short', true)), 'true');
});

test('AND stops at FAIL or MISS, OR at PASS, MISS propagates', () => {
  const ctx = payload('abc', false);
  assert.equal(cond('if { always_false } { req.payload(0,10) -m found }')(ctx), 'false');
  assert.equal(cond('if { req.payload(0,10) -m found } { always_false }')(ctx), 'miss');
  assert.equal(cond('if { req.payload(0,10) -m found } or { always_true }')(ctx), 'true');
  assert.equal(cond('if { req.payload(0,10) -m found } or { always_false }')(ctx), 'miss');
  assert.equal(cond('if { req.payload(0,3) -m bin 616263 }')(ctx), 'true');
  assert.equal(cond('if { wait_end }')(ctx), 'miss');
  assert.equal(cond('if { wait_end }')(payload('abc', true)), 'true');
  assert.equal(cond('if')(ctx), 'false');
  assert.equal(cond('unless')(ctx), 'true');
});

test('named ACLs OR their lines; a compiled ACL is cached per environment', () => {
  const f = cond('if a1 !a2', ['a1 str(x) -m str y', 'a1 str(x) -m str x', 'a2 always_false']);
  assert.equal(f(new BasicSampleContext()), 'true');
  const term = parseAclExpression(['always_true'], 0, 1, pctx);
  assert.ok(term.ok);
  const def: AclDefinition = { name: 'x', place: pctx.place, terms: [term.term] };
  const env = {};
  const a = compileAcl(def, env);
  const b = compileAcl(def, env);
  assert.ok(a.ok && b.ok && a.fn === b.fn);
  assert.equal(a.ok && a.fn(new BasicSampleContext()), ACL_PASS);
});

test('ACLs on variables, converters and -m found', () => {
  const ctx = new BasicSampleContext();
  ctx.vars('txn')!.set('s', smpStr('hello'));
  assert.equal(cond('if { var(txn.s) -m found }')(ctx), 'true');
  assert.equal(cond('if { var(txn.none) -m found }')(ctx), 'false');
  assert.equal(cond('if { var(txn.s),upper -m str HELLO }')(ctx), 'true');
  assert.equal(cond('if { var(txn.s),length 5 }')(ctx), 'true');
  assert.equal(cond('if { str(abc) }')(ctx), 'false', 'no pattern never matches');
});
