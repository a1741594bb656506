/**
 * The run-time sample type and sample.c's casts (src/sample/sample.ts).
 * Expected values were checked with haproxy 2.6 (`%[...]` in an
 * `http-request return lf-string`), see test/compat/sample/eval.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buf2ip,
  castSample,
  hasCast,
  ipv4ToString,
  ipv6ToString,
  parseIpv6,
  readInt64,
  sampleToString,
  smpBin,
  smpBool,
  smpInt,
  smpNum,
  smpStr,
  v6tov4,
  withMayChange,
  F_MAY_CHANGE,
  LLONG_MAX,
  LLONG_MIN,
  type RuntimeType,
  type Sample,
} from '../../../src/sample/sample.js';
import { canCast, SAMPLE_TYPES } from '../../../src/sample/types.js';

const show = (s: Sample | undefined): string | undefined => (s === undefined ? undefined : `${s.type}:${sampleToString(s) ?? ''}`);

test('readInt64 follows tools.c read_int64: sign, digits, saturation', () => {
  assert.equal(readInt64('12abc'), 12n);
  assert.equal(readInt64('abc'), 0n);
  assert.equal(readInt64('+12'), 12n);
  assert.equal(readInt64('-5'), -5n);
  assert.equal(readInt64('0x10'), 0n);
  assert.equal(readInt64('99999999999999999999'), LLONG_MAX);
  assert.equal(readInt64('-99999999999999999999'), LLONG_MIN);
  assert.equal(readInt64('-9223372036854775808'), LLONG_MIN);
  assert.equal(readInt64('9223372036854775807'), LLONG_MAX);
});

test('buf2ip accepts leading zeros and stops at the first foreign character', () => {
  assert.equal(buf2ip('1.2.3.4'), 0x01020304);
  assert.equal(buf2ip('01.2.3.4'), 0x01020304);
  assert.equal(buf2ip('1.2.3.4abc'), 0x01020304);
  assert.equal(buf2ip('1.2.3'), undefined);
  assert.equal(buf2ip('1.2.3.4.'), undefined);
  assert.equal(buf2ip('256.1.1.1'), undefined);
  assert.equal(buf2ip(' 1.2.3.4'), undefined);
});

test('IPv6 text round trip in glibc inet_ntop form', () => {
  const cases: [string, string][] = [
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], ['1:0:0:0:1:0:0:1', '1::1:0:0:1'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], ['::', '::'], ['::1', '::1'],
    ['::0.0.0.2', '::2'], ['::1.2.3.4', '::1.2.3.4'], ['2001:DB8::1', '2001:db8::1'], ['::ffff:0:0', '::ffff:0.0.0.0'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::', '1::'], ['0:0:0:0:0:1:0:0', '::1:0:0'], ['1:0:2:0:0:3:0:0', '1:0:2::3:0:0'],
  ];
  for (const [inp, out] of cases) {
    const b = parseIpv6(inp);
    assert.ok(b !== undefined, inp);
    assert.equal(ipv6ToString(b), out, inp);
  }
  assert.equal(parseIpv6('1.2.3.4'), undefined);
  assert.equal(parseIpv6('1:::2'), undefined);
  assert.equal(ipv4ToString(0xc0a80001), '192.168.0.1');
});

test('v6tov4 only converts IPv4-mapped addresses', () => {
  assert.equal(v6tov4(parseIpv6('::ffff:10.0.0.1')!), 0x0a000001);
  assert.equal(v6tov4(parseIpv6('::10.0.0.1')!), undefined);
  assert.equal(v6tov4(parseIpv6('2002:a00:1::')!), undefined);
});

test('casts between types (sample_casts)', () => {
  assert.equal(show(castSample(smpStr('12abc'), 'sint')), 'sint:12');
  assert.equal(castSample(smpStr(''), 'sint'), undefined);
  assert.equal(show(castSample(smpStr('x'), 'bool')), 'sint:0');
  assert.equal(show(castSample(smpNum(-1), 'bin')), 'bin:\xff\xff\xff\xff\xff\xff\xff\xff');
  assert.equal(castSample(smpNum(-1), 'bin')?.type, 'bin');
  assert.equal(show(castSample(smpBool(true), 'str')), 'str:1');
  assert.equal(show(castSample(smpBool(true), 'sint')), 'sint:1');
  assert.equal(castSample(smpBool(true), 'ipv4'), undefined);
  assert.equal(show(castSample(smpNum(16909060), 'ipv4')), 'ipv4:1.2.3.4');
  assert.equal(show(castSample(smpNum(300), 'addr')), 'ipv4:0.0.1.44');
  assert.equal(show(castSample(smpNum(16909060), 'ipv6')), 'ipv6:::ffff:1.2.3.4');
  assert.equal(show(castSample(smpStr('1.2.3.4'), 'addr')), 'ipv4:1.2.3.4');
  assert.equal(show(castSample(smpStr('fe80::1'), 'addr')), 'ipv6:fe80::1');
  assert.equal(castSample(smpStr('nope'), 'addr'), undefined);
  assert.equal(castSample(smpStr('fe80::1'), 'ipv4'), undefined);
  const v4 = castSample(smpStr('10.0.0.1'), 'ipv4')!;
  assert.equal(show(castSample(v4, 'sint')), 'sint:167772161');
  assert.equal(castSample(v4, 'bool'), undefined);
  assert.equal(show(castSample(v4, 'ipv6')), 'ipv6:::ffff:10.0.0.1');
  assert.equal((castSample(v4, 'bin') as { value: Buffer }).value.toString('hex'), '0a000001');
  // bin → str stops at the first NUL (verified: bin(41004243),length is 1)
  assert.equal(show(castSample(smpBin(Buffer.from('41004243', 'hex')), 'str')), 'str:A');
  assert.equal(castSample(smpBin(Buffer.from('41', 'hex')), 'sint'), undefined);
  assert.equal(show(castSample(smpStr('GET'), 'meth')), 'meth:GET');
  assert.equal(castSample(smpStr('x'), 'any')?.type, 'str');
  // ipv4 kept as is for addr
  assert.equal(castSample(v4, 'addr'), v4);
});

test('hasCast agrees with the parse-time cast matrix', () => {
  const runtime: RuntimeType[] = ['bool', 'sint', 'ipv4', 'ipv6', 'str', 'bin', 'meth'];
  for (const from of runtime) for (const to of SAMPLE_TYPES) assert.equal(hasCast(from, to), canCast(from, to), `${from} -> ${to}`);
});

test('integer samples wrap to 64 bits; flags survive casts', () => {
  assert.equal(smpInt(LLONG_MAX + 1n).value, LLONG_MIN);
  const s = withMayChange(smpStr('5'));
  assert.equal(s.flags & F_MAY_CHANGE, F_MAY_CHANGE);
  assert.equal((castSample(s, 'sint')!.flags & F_MAY_CHANGE) !== 0, true);
  assert.equal(withMayChange(s), s);
});
