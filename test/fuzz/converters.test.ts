/**
 * Property tests of the evaluation side: converters and casts against simple
 * reference definitions, round trips, matchers against naive scans, and
 * "never throws" on arbitrary inputs and payloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileMatcher } from '../../src/acl/match.js';
import { parsePattern, type AclPattern, type MatchMethod } from '../../src/sample/converters/patterns.js';
import { compileSample } from '../../src/sample/compile.js';
import { BasicSampleContext, MISS } from '../../src/sample/context.js';
import { parseSampleExpression } from '../../src/sample/expression.js';
import { base64Decode, base64UrlDecode, be2hex } from '../../src/sample/impls/conv-encoding.js';
import { arithAdd, arithMul } from '../../src/sample/impls/conv-arith.js';
import { field, urlDecode, urlEncode, word } from '../../src/sample/impls/conv-string.js';
import { castSample, ipv6ToString, parseIpv6, readInt64, smpNum, smpStr, LLONG_MAX, LLONG_MIN } from '../../src/sample/sample.js';

const latin1 = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1'));
const int64 = fc.bigInt({ min: LLONG_MIN, max: LLONG_MAX });

test('integers survive str casts; read_int64 clamps', () => {
  fc.assert(fc.property(int64, (v) => {
    const s = castSample(smpNum(0), 'str');
    assert.ok(s !== undefined);
    const back = castSample(smpStr(v.toString()), 'sint');
    assert.ok(back !== undefined && back.type === 'sint' && back.value === v);
  }));
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (v) => {
    const r = readInt64(v.toString());
    assert.equal(r, v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v);
  }));
});

test('saturating arithmetic equals the clamped exact result', () => {
  const clamp = (v: bigint): bigint => (v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v);
  fc.assert(fc.property(int64, int64, (a, b) => {
    assert.equal(arithAdd(a, b), clamp(a + b));
    assert.equal(arithMul(a, b), clamp(a * b));
  }));
});

test('base64, base64url, url encoding and IPv6 text round trip', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (a) => {
    const b = Buffer.from(a);
    assert.deepEqual(base64Decode(b.toString('base64')), b);
    assert.deepEqual(base64UrlDecode(b.toString('base64url')), b);
    assert.equal(be2hex(b, '', 0, false), b.toString('hex').toUpperCase());
  }));
  fc.assert(fc.property(latin1.filter((s) => !s.includes('\0')), (s) => {
    assert.equal(urlDecode(urlEncode(s), false), s);
  }));
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
    const text = ipv6ToString(a);
    assert.deepEqual(parseIpv6(text), Buffer.from(a), text);
  }));
});

test('field() and word() against split-based definitions', () => {
  const text = fc.array(fc.constantFrom('a', 'b', '_', '.'), { maxLength: 16 }).map((a) => a.join(''));
  fc.assert(fc.property(text, fc.integer({ min: 1, max: 6 }), (s, i) => {
    const parts = s.split(/[_.]/);
    assert.equal(field(s, i, '_.', undefined), parts[i - 1]);
    assert.equal(field(s, -i, '_.', undefined), parts[parts.length - i]);
    const words = parts.filter((p) => p !== '');
    assert.equal(word(s, i, '_.', undefined), words[i - 1]);
    assert.equal(word(s, -i, '_.', undefined), words[words.length - i]);
  }));
});

function pats(method: MatchMethod, texts: readonly string[]): AclPattern[] {
  return texts.map((t) => {
    const r = parsePattern(method, t, { ignoreCase: false, noDns: true });
    if (!r.ok) throw new Error(r.message);
    return r.pattern;
  });
}

test('string matchers agree with naive scans', () => {
  const small = fc.array(fc.constantFrom('a', 'b', 'c', '/'), { maxLength: 6 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(small, { maxLength: 12 }), small, (list, s) => {
    const smp = smpStr(s);
    const exact = list.indexOf(s);
    assert.equal(compileMatcher('str', pats('str', list)).find(smp) >= 0, exact >= 0);
    assert.equal(compileMatcher('beg', pats('beg', list)).find(smp) >= 0, list.some((p) => s.startsWith(p)));
    const endIdx = list.findIndex((p) => s.endsWith(p));
    assert.equal(compileMatcher('end', pats('end', list)).find(smp), endIdx);
    assert.equal(compileMatcher('sub', pats('sub', list)).find(smp), list.findIndex((p) => s.includes(p)));
    // beg returns the longest matching prefix
    const begIdx = compileMatcher('beg', pats('beg', list)).find(smp);
    if (begIdx >= 0) assert.equal(list[begIdx]!.length, Math.max(...list.filter((p) => s.startsWith(p)).map((p) => p.length)));
  }));
});

test('the IPv4 matcher agrees with a naive prefix scan', () => {
  const net = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
  const str = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  fc.assert(fc.property(fc.array(net, { maxLength: 10 }), fc.integer({ min: 0, max: 0xffffffff }), (nets, a) => {
    const texts = nets.map(([n, b]) => `${str(n)}/${b}`);
    const mask = (b: number): number => (b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0);
    const expect = nets.some(([n, b]) => ((n ^ a) & mask(b)) >>> 0 === 0);
    const got = compileMatcher('ip', pats('ip', texts)).find({ type: 'ipv4', value: a >>> 0, flags: 0 });
    assert.equal(got >= 0, expect);
  }));
});

test('compiled expressions never throw on arbitrary payloads and inputs', () => {
  const exprs = [
    'req.payload(0,0),hex', 'req.payload_lv(0,2)', 'req.payload_lv(1,1,-3)', 'req.rdp_cookie', 'req.rdp_cookie_cnt(mstshash)',
    'req.ssl_sni', 'req.ssl_ver', 'req.ssl_hello_type', 'req.ssl_alpn', 'req.ssl_st_ext', 'req.ssl_ec_ext', 'req.len,mul(3)',
    'req.payload(0,0),b64dec', 'req.payload(0,0),ub64dec', 'req.payload(0,0),url_dec', 'req.payload(0,0),json(utf8)',
    'req.payload(0,0),json(utf8ps)', 'req.payload(0,0),field(2,/)', 'req.payload(0,0),word(-1,/)', 'req.payload(0,0),hex2i',
    'req.payload(0,0),port_only', 'req.payload(0,0),host_only', 'req.payload(0,0),lower,ipmask(24,64)', 'req.payload(0,0),xxh3',
    'req.payload(0,0),wt6(1)', 'req.payload(0,0),be2dec(:,3)', 'req.payload(0,0),regsub("a+",b,g)', 'req.payload(0,0),lower,map_str(/dev/null,x)',
  ];
  const fns = exprs.map((e) => {
    const r = parseSampleExpression([e], 0, { place: { file: 'f', line: 1 }, usage: 'acl', skipUsageCheck: true });
    assert.ok(r.ok, e);
    const c = compileSample(r.expr);
    assert.ok(c.ok, e);
    return c.fn;
  });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (a, final) => {
    const buf = Buffer.from(a);
    const ctx = new BasicSampleContext({ final, req: { buf, len: buf.length } });
    for (const fn of fns) {
      const r = fn(ctx);
      assert.ok(r === undefined || r === MISS || typeof r.type === 'string');
    }
  }), { numRuns: 300 });
});
