/**
 * Converter implementations (src/sample/impls/conv-*.ts) and the compiled
 * pipeline (src/sample/compile.ts). Expected values come from haproxy 2.6
 * runs (see test/compat/sample/eval.test.ts for the differential version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicSampleContext, MISS } from '../../../src/sample/context.js';
import { smpNum, smpStr, F_MAY_CHANGE } from '../../../src/sample/sample.js';
import { field, word, jsonEscape, urlDecode, urlEncode, regsub } from '../../../src/sample/impls/conv-string.js';
import { base64Decode, base64UrlDecode, be2dec, be2hex } from '../../../src/sample/impls/conv-encoding.js';
import { arithAdd, arithDiv, arithMod, arithMul, arithSub } from '../../../src/sample/impls/conv-arith.js';
import { strftime, gmtime } from '../../../src/sample/impls/strftime.js';
import { implementedKeywords } from '../../../src/sample/impl-registry.js';
import { compile, compileError, ev, show } from './eval-helpers.js';

test('arithmetic saturates like sample.c', () => {
  const MAX = 9223372036854775807n;
  const MIN = -9223372036854775808n;
  assert.equal(arithAdd(MAX, 1n), MAX);
  assert.equal(arithSub(MIN, 1n), MIN);
  assert.equal(arithSub(0n, MIN), MAX);
  assert.equal(arithSub(-1n, MIN), MAX);
  assert.equal(arithMul(5n, -MAX), MIN);
  assert.equal(arithMul(MIN, -1n), MAX);
  assert.equal(arithDiv(7n, 0n), MAX);
  assert.equal(arithDiv(-7n, 2n), -3n);
  assert.equal(arithDiv(MIN, -1n), MAX);
  assert.equal(arithMod(-7n, 3n), -1n);
  assert.equal(arithMod(7n, 0n), 0n);
  assert.equal(ev('int(-9223372036854775808),neg'), 'sint:9223372036854775807');
  assert.equal(ev('int(12),and(10)'), 'sint:8');
  assert.equal(ev('int(5),cpl'), 'sint:-6');
  assert.equal(ev('int(3),odd'), 'bool:1');
  assert.equal(ev('int(0),not'), 'bool:1');
});

test('arithmetic operands may be variables, cast to integers at run time', () => {
  const ctx = new BasicSampleContext();
  ctx.vars('txn')!.set('n', smpNum(42));
  ctx.vars('txn')!.set('s', smpStr('5'));
  assert.equal(ev('int(7),add(txn.n)', ctx), 'sint:49');
  assert.equal(ev('int(15),div(txn.s)', ctx), 'sint:3');
  assert.equal(ev('int(7),add(txn.none)', ctx), undefined);
});

test('field and word follow the doc examples', () => {
  const s = 'f1_f2_f3__f5';
  assert.equal(field(s, 5, '_', undefined), 'f5');
  assert.equal(field(s, 2, '_', 0), 'f2_f3__f5');
  assert.equal(field(s, 2, '_', 2), 'f2_f3');
  assert.equal(field(s, -2, '_', 3), 'f2_f3_');
  assert.equal(field(s, -3, '_', 0), 'f1_f2_f3');
  assert.equal(field(s, 4, '_', undefined), '');
  assert.equal(field(s, 9, '_', undefined), undefined);
  assert.equal(word(s, 4, '_', undefined), 'f5');
  assert.equal(word(s, 2, '_', 0), 'f2_f3__f5');
  assert.equal(word(s, 3, '_', 2), 'f3__f5');
  assert.equal(word(s, -2, '_', 3), 'f1_f2_f3');
  assert.equal(word(s, -3, '_', 0), 'f1_f2');
  assert.equal(word('/f1/f2/f3/f4', 1, '/', undefined), 'f1');
  assert.equal(word('___', 1, '_', undefined), undefined);
});

test('string converters', () => {
  assert.equal(ev('str(MiXeD\xc0),lower'), 'str:mixed\xc0');
  assert.equal(ev('str(xxabcxx),ltrim(x),rtrim(x)'), 'str:abc');
  assert.equal(ev('str(Example.com:8080),host_only'), 'str:example.com');
  assert.equal(ev('str([::1]:80),port_only'), 'sint:80');
  assert.equal(ev('str(abc:12a),port_only'), 'sint:169');
  assert.equal(ev('str(a),add_item(",",,suffix)'), 'str:a,suffix');
  assert.equal(ev('str(),add_item(",",,suffix)'), 'str:suffix');
  assert.equal(ev('str(abc),length'), 'sint:3');
  assert.equal(ev('int(0),iif(a,b)'), 'str:b');
  assert.equal(jsonEscape('a"b\\c/d\n\x01\x7f\xe9', 'ascii'), 'a\\"b\\\\c\\/d\\n\\u0001\\u007f\\u00e9');
  assert.equal(jsonEscape('\xc3\xa9', 'utf8'), '\\u00e9');
  assert.equal(jsonEscape('\xff\x41', 'utf8'), undefined);
  assert.equal(jsonEscape('\xff\x41', 'utf8s'), 'A');
  assert.equal(jsonEscape('\xc0\xaf', 'utf8p'), '\\/');
  assert.equal(jsonEscape('\xf0\x9f\x98\x80', 'utf8s'), '');
  assert.equal(urlDecode('a%20b+c', false), 'a b+c');
  assert.equal(urlDecode('a+b?c+d', false), 'a+b?c d');
  assert.equal(urlDecode('%zz', false), undefined);
  assert.equal(urlEncode('a b/c~'), 'a%20b%2Fc~');
});

test('regsub: first match, global, empty matches, references, NOTBOL', () => {
  assert.equal(regsub('/////a///b/c/', /\/+/g, '/', true), '/a/b/c/');
  assert.equal(regsub('aaa', /a/g, 'b', false), 'baa');
  assert.equal(regsub('abc', /x*/g, '-', true), '-a-b-c-');
  assert.equal(regsub('abab', /^a/g, 'X', true), 'Xbab');
  assert.equal(ev('str(foo123bar),regsub("(foo|bar)([0-9]+)?","\\2\\1",i)'), 'str:123foobar');
  assert.equal(ev('str(abc),regsub(b,\\x41)'), 'str:aAc');
  assert.match(compileError('str(a),regsub(,x)'), /missing regex/);
});

test('variables: set-var conditions and unset-var', () => {
  const ctx = new BasicSampleContext();
  ctx.vars('txn')!.set('n', smpNum(42));
  assert.equal(ev('int(1),set-var(txn.n,ifnotexists)', ctx), undefined);
  assert.equal(ev('int(50),set-var(txn.n,ifgt)', ctx), undefined);
  assert.equal(ev('int(10),set-var(txn.n,ifgt)', ctx), 'sint:10');
  assert.equal(show(ctx.vars('txn')!.get('n')), 'sint:10');
  assert.equal(ev('str(),set-var(txn.e,ifnotempty)', ctx), undefined);
  assert.equal(ev('str(a),unset-var(txn.n)', ctx), 'str:a');
  assert.equal(ctx.vars('txn')!.get('n'), undefined);
  assert.equal(ev('var(txn.none,dflt)', ctx), 'str:dflt');
  // a stored binary sample never aliases the buffer it came from
  const buf = Buffer.from('abcd');
  const c2 = new BasicSampleContext({ req: { buf, len: 4 } });
  compile('req.payload(0,2),set-var(txn.p)')(c2);
  buf[0] = 0x7a;
  assert.equal(show(c2.vars('txn')!.get('p')), 'bin:6162');
});

test('encodings', () => {
  assert.equal(base64Decode('aGVsbG8=')?.toString(), 'hello');
  assert.equal(base64Decode('aGVsbG8'), undefined);
  assert.equal(base64Decode('a==='), undefined);
  assert.equal(base64Decode('a=k='), undefined);
  assert.equal(base64Decode('QQ==QQ==')?.toString('hex'), '4141');
  assert.equal(base64UrlDecode('aGk')?.toString(), 'hi');
  assert.equal(base64UrlDecode('aGk=')?.toString('hex'), '68693f');
  assert.equal(base64UrlDecode('a'), undefined);
  assert.equal(be2dec(Buffer.from('01020304050607', 'hex'), ':', 2, false), '258:772:1286:7');
  assert.equal(be2dec(Buffer.from('01020304050607', 'hex'), '-', 2, true), '258-772-1286');
  assert.equal(be2hex(Buffer.from('01020304050607', 'hex'), ':', 2, false), '0102:0304:0506:07');
  assert.equal(be2hex(Buffer.from('0102030405060708', 'hex'), '', 3, true), '010203040506');
  assert.equal(ev('str(hello),hex'), 'str:68656C6C6F');
  assert.equal(ev('str(ffffffffffffffffff),hex2i'), 'sint:-1');
  assert.equal(ev('str(1g),hex2i'), undefined);
  assert.equal(ev('int(-1),htonl'), 'bin:ffffffff');
  assert.equal(ev('bin(0102030405),bytes(1,2)'), 'bin:0203');
  assert.equal(ev('str(::ffff:1.2.3.4),ipmask(8,64)'), 'ipv4:1.0.0.0');
  assert.equal(ev('str(fe80::1),ipmask(8)'), undefined);
  assert.equal(ev('int(1234567890123),http_date(0,ms)'), 'str:Fri, 13 Feb 2009 23:31:30.123 GMT');
  assert.equal(ev('int(1234567890),utime(%Y-%m-%d %H:%M:%S)'), 'str:2009-02-13 23:31:30');
  assert.equal(strftime('%G-%V-%u %U %W %j %e|%-d|%_m', gmtime(1230768000)!), '2009-01-4 00 00 001  1|1| 1');
});

test('hash converters print haproxy values', () => {
  assert.equal(ev('str(abc),sdbm'), 'sint:807794786');
  assert.equal(ev('str(abc),xxh64'), 'sint:4952883123889572249');
  assert.equal(ev('str(abc),xxh3'), 'sint:8696274497037089104');
  assert.equal(ev('str(abc),sha1,hex'), 'str:A9993E364706816ABA3E25717850C26C9CD0D89D');
  assert.equal(ev('str(abc),hmac(sha256,c2VjcmV0),length'), 'sint:32');
});

test('map converters read the file once and pick haproxy’s entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-map-'));
  try {
    const f = (n: string, c: string): string => {
      const p = join(dir, n);
      writeFileSync(p, c);
      return p;
    };
    const str = f('s.map', '# c\nfoo bar\na b c  \n');
    const beg = f('b.map', '/api api\n/api/v2 apiv2\n/ root\n');
    const end = f('e.map', '.jpg img\ng g\n');
    const ip = f('i.map', '10.0.0.0/8 net10\n10.1.0.0/16 net10.1\n2001:db8::/32 v6\n');
    const reg = f('r.map', '^/user/([0-9]+)$ user-\\1\n');
    const si = f('si.map', 'foo 42\n');
    assert.equal(ev(`str(foo),map(${str})`), 'str:bar');
    assert.equal(ev(`str(a),map(${str})`), 'str:b c');
    assert.equal(ev(`str(x),map(${str})`), undefined);
    assert.equal(ev(`str(x),map(${str},def)`), 'str:def');
    assert.equal(ev(`str(/api/v2/x),map_beg(${beg})`), 'str:apiv2');
    assert.equal(ev(`str(/zz),map_beg(${beg})`), 'str:root');
    assert.equal(ev(`str(x.jpg),map_end(${end})`), 'str:img');
    assert.equal(ev(`str(10.1.2.3),map_ip(${ip})`), 'str:net10.1');
    assert.equal(ev(`ipv6(::ffff:10.2.0.1),map_ip(${ip})`), 'str:net10');
    assert.equal(ev(`ipv6(2001:db8::9),map_ip(${ip})`), 'str:v6');
    assert.equal(ev(`str(/user/42),map_regm(${reg})`), 'str:user-42');
    assert.equal(ev(`str(foo),map_str_int(${si}),add(1)`), 'sint:43');
    // one load per file and converter when a cache is given
    const cache = new Map<string, unknown>();
    compile(`str(foo),map(${str})`, { patternCache: cache });
    compile(`str(foo),map(${str})`, { patternCache: cache });
    assert.equal(cache.size, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('json_query and language (mjson and sample_conv_q_preferred quirks)', () => {
  assert.equal(ev('str({\\"a\\":1.5}),json_query($.a)'), 'str:1.5');
  assert.equal(ev('str({\\"a\\":1.5}),json_query($.a,int)'), 'sint:1');
  assert.equal(ev('str({\\"a\\":100000000}),json_query($.a)'), 'str:1e+08');
  assert.equal(ev('str({\\"a\\":0x10}),json_query($.a,int)'), 'sint:16');
  assert.equal(ev('str("{\\"a\\":1,\\"a\\":2}"),json_query($.a)'), 'str:1');
  assert.equal(ev('str("{\\"c\\":[5,6]}"),json_query($.c[1])'), 'str:6');
  assert.equal(ev('str({\\"a\\":true}),json_query($.a)'), 'bool:1');
  assert.equal(ev('str({\\"a\\":null}),json_query($.a)'), undefined);
  assert.equal(ev('str({\\"x\\":\\"a\\u00e9\\"}),json_query($.x)'), 'str:a\xe9');
  assert.equal(ev('str({\\"x\\":\\"a\\/\\"}),json_query($.x)'), undefined);
  assert.equal(ev('str("en-US;q=0.8, fr;q=0.9, es"),language(fr;en)'), 'str:fr');
  assert.equal(ev('str(de),language(fr;en,zz)'), 'str:zz');
  assert.equal(ev('str(de),language(fr;en)'), undefined);
  assert.equal(ev('str("en;q=0.123,fr;q=0.12"),language(fr;en)'), 'str:en');
});

test('debug passes samples through and reports them', () => {
  const lines: string[] = [];
  const fn = compile('str(x),debug(pfx),upper', { debugSink: (sink, line) => lines.push(`${sink} ${line}`) });
  assert.equal(show(fn(new BasicSampleContext())), 'str:X');
  assert.deepEqual(lines, ['buf0 [debug] pfx: type=str str:x']);
});

test('a converter failing on a sample that may change gives MISS', () => {
  const ctx = new BasicSampleContext({ final: false, req: { buf: Buffer.from('zz'), len: 2 } });
  const fn = compile('req.payload(0,0),hex2i');
  assert.equal(fn(ctx), MISS);
  const ok = compile('req.payload(0,0),hex')(ctx);
  assert.ok(ok !== undefined && ok !== MISS && (ok.flags & F_MAY_CHANGE) !== 0);
});

test('unimplemented keywords are reported at compile time', () => {
  const kw = implementedKeywords();
  assert.ok(kw.fetches.includes('req.payload') && kw.converters.includes('xxh3'));
  assert.match(compileError('str(a),in_table(t)'), /converter 'in_table' is not implemented/);
});
