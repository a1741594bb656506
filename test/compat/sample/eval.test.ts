/**
 * Differential test of the evaluation side of the sample engine: the same
 * expressions and conditions evaluated by the real haproxy 2.6 and by our
 * compiled closures, on constant inputs.
 *
 * HAProxy side: one `mode http` frontend whose `http-request return ...
 * lf-string '[%[<expr>]]' if { path /e<i> }` lines print each expression
 * (a missing sample prints nothing), plus `string T/F` lines for conditions,
 * and a backend reached through `use_backend` for the backend/server
 * fetches. Our side: the same texts parsed by our parsers, compiled, and
 * evaluated on a context holding the same variables and views shaped like
 * the configured backends.
 *
 * Skipped when haproxy is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAclLine, addAclTerm, type AclDefinition } from '../../../src/acl/acl.js';
import { parseCondition } from '../../../src/acl/condition.js';
import { compileCondition } from '../../../src/acl/evaluate.js';
import { compileSample, type CompileEnv } from '../../../src/sample/compile.js';
import { BasicSampleContext, MISS, type BackendView, type FrontendView, type ServerView } from '../../../src/sample/context.js';
import { parseLogFormat } from '../../../src/sample/log-format.js';
import { sampleToString, smpNum, smpStr, type Sample } from '../../../src/sample/sample.js';
import type { ParseCtx } from '../../../src/sample/types.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy } from '../../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-eval-compat-'));
const MAPS: Record<string, string> = {
  'str.map': '# comment\nfoo bar\nFoo BAR2\na b c\ntrail   val  \t\n',
  'beg.map': '/static/ static\n/api api\n/api/v2 apiv2\n/ root\n',
  'end.map': '.jpg img\n.png img2\ng g\n',
  'sub.map': 'admin adm\nlogin log\n',
  'dir.map': '/static st\nimg/x imgx\n',
  'dom.map': 'example.com ex\nwww wwwhost\n',
  'reg.map': '^/user/([0-9]+)$ user-\\1\n^/a+$ as\n(x)(y)? \\2-\\1\n',
  'int.map': '1 one\n10 ten\n100:200 range\n',
  'ip.map': '10.0.0.0/8 net10\n10.1.0.0/16 net10.1\n192.168.1.1 host\n2001:db8::/32 v6net\n::ffff:172.16.0.1 mapped\n',
  'str_int.map': 'foo 42\nbar -7\n',
  'str_ip.map': 'foo 10.0.0.1\nbar ::1\n',
  'beg.lst': '/static/\n/api\n',
  'str.lst': 'x\n  abc\n# abc2\n',
};
for (const [n, c] of Object.entries(MAPS)) writeFileSync(join(dir, n), c);
const M = (n: string): string => join(dir, n);

// An AES-128-GCM message for aes_gcm_dec
const aesKey = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const aesNonce = Buffer.from('0a0b0c0d0e0f101112131415', 'hex');
const aesCipher = createCipheriv('aes-128-gcm', aesKey, aesNonce);
const aesCt = Buffer.concat([aesCipher.update('secret message'), aesCipher.final()]);
const aesTag = aesCipher.getAuthTag();

const LONG = 'The quick brown fox jumps over the lazy dog. '.repeat(8);

/** Variables set by `http-request set-var` before the returns, and in our contexts. */
const VARS: [string, string, Sample][] = [
  ['txn.num', 'int(42)', smpNum(42)],
  ['txn.s', 'str(hello)', smpStr('hello')],
  ['txn.key', 'str(c2VjcmV0)', smpStr('c2VjcmV0')],
  ['txn.str5', 'str(5)', smpStr('5')],
  ['txn.ip', 'ipv4(10.0.0.1)', { type: 'ipv4', value: 0x0a000001, flags: 0 }],
  ['txn.b', 'bin(0001)', { type: 'bin', value: Buffer.from([0, 1]), flags: 0 }],
];

/** Expressions evaluated in the frontend. */
const EXPRS: string[] = [
  // constants and casts
  'str(Hello),lower,hex', 'int(-1),hex', 'bool(1),hex', 'bool(true)', 'bool(0)', 'ipv4(1.2.3.4),hex', 'ipv6(::ffff:1.2.3.4)',
  'ipv6(1:0:0:0:1:0:0:1)', 'ipv6(1:0:0:1:0:0:0:1)', 'ipv6(::)', 'ipv6(::1)', 'ipv6(::0.0.0.2)', 'ipv6(2001:DB8::1)', 'ipv6(fe80::1:2)',
  'ipv6(::ffff:0:0)', 'meth(GET)', 'meth(get),hex', 'bin(414243)', 'bin(41004243),hex', 'bin(41004243),length', 'bin(41004243),base64',
  'bin(41004243)', 'bin(00414243)', 'str(12abc),add(1)', 'str(abc),add(1)', 'str(),add(1)', 'str(99999999999999999999),add(0)',
  'str(-99999999999999999999),add(0)', 'str(+12),add(0)', 'str(0x10),add(0)', 'str(-5),neg', 'int(3),length', 'ipv4(10.0.0.1),concat(x)',
  'int(12),concat(x)', 'ipv6(::ffff:1.2.3.4),concat()', 'bool(1),concat(x)', 'str(1.2.3.4abc),ipmask(24)', 'str(01.2.3.4),ipmask(24)',
  'str(1.2.3),ipmask(24)', 'str(1.2.3.4.),ipmask(24)', 'str(::ffff:1.2.3.4),ipmask(8,64)', 'str(fe80::1),ipmask(8,64)',
  'str(fe80::1),ipmask(8)', 'ipv4(192.168.1.77),ipmask(255.255.0.0)', 'int(16909060),ipmask(8)', 'int(300),ipmask(24)',
  'ipv6(2001:db8:1:2:3:4:5:6),ipmask(24,ffff:ffff:ffff::)', 'ipv6(2002:102:304::),ipmask(8)', 'ipv6(::1.2.3.4),ipmask(8)',
  'ipv4(1.2.3.4),add(0)', 'ipv4(255.255.255.255),add(0)', 'str(1.2.3.4),ipmask(32),add(0)',
  // arithmetic
  'int(9223372036854775807)', 'int(-9223372036854775808)', 'int(7),add(3)', 'int(7),sub(10)', 'int(7),mul(-3)', 'int(7),div(2)', 'int(-7),div(2)', 'int(7),div(0)', 'int(-7),div(0)',
  'int(7),mod(3)', 'int(-7),mod(3)', 'int(7),mod(-3)', 'int(7),mod(0)', 'int(9223372036854775807),add(1)',
  'int(-9223372036854775808),sub(1)', 'int(-9223372036854775808),neg', 'int(5),mul(-9223372036854775807)',
  'int(4611686018427387904),mul(2)', 'int(-4611686018427387905),mul(2)', 'int(-9223372036854775808),div(-1)',
  'int(-9223372036854775808),mod(-1)', 'int(0),sub(-9223372036854775808)', 'int(-1),sub(-9223372036854775808)',
  'int(12),and(10)', 'int(12),or(3)', 'int(12),xor(10)', 'int(5),cpl', 'int(0),cpl', 'int(0),bool', 'int(3),bool', 'int(0),not',
  'int(3),not', 'int(3),odd', 'int(3),even', 'int(-4),even', 'int(-3),odd', 'int(7),add(txn.num)', 'int(7),sub(txn.num)',
  'int(7),add(txn.none)', 'int(15),div(txn.str5)', 'int(7),mul(txn.s)', 'int(7),add()', 'bool(1),add(1)',
  // strings
  'str(Hello World),upper', 'str(MiXeD),lower', 'str(  abc  ),ltrim( )', 'str(  abc  ),rtrim( ),concat(|)',
  'str(xxabcxx),ltrim(x),rtrim(x)', 'str(abc),ltrim(abc)', 'str(f1_f2_f3__f5),field(5,_)', 'str(f1_f2_f3__f5),field(2,_,0)',
  'str(f1_f2_f3__f5),field(2,_,2)', 'str(f1_f2_f3__f5),field(-2,_,3)', 'str(f1_f2_f3__f5),field(-3,_,0)',
  'str(f1_f2_f3__f5),field(9,_)', 'str(f1_f2_f3__f5),field(-9,_)', 'str(f1_f2_f3__f5),field(1,_)', 'str(f1_f2_f3__f5),field(-1,_)',
  'str(f1_f2_f3__f5),field(4,_)', 'str(a.b:c),field(2,.:)', 'str(f1_f2_f3__f5),word(4,_)', 'str(f1_f2_f3__f5),word(2,_,0)',
  'str(f1_f2_f3__f5),word(3,_,2)', 'str(f1_f2_f3__f5),word(-2,_,3)', 'str(f1_f2_f3__f5),word(-3,_,0)', 'str(/f1/f2/f3/f4),word(1,/)',
  'str(f1_f2_f3__f5),word(9,_)', 'str(__a__b__),word(-1,_)', 'str(__a__b__),word(1,_)', 'str(___),word(1,_)',
  'str(a),concat(b,txn.s,c)', 'str(a),concat(,txn.none,c)', 'str(a),concat(-)', 'str(a),concat(,txn.num)', 'str(a),add_item(",",txn.s)',
  'str(),add_item(",",txn.s)', 'str(a),add_item(",",txn.none)', 'str(a),add_item(",",,suffix)', 'str(),add_item(",",,suffix)',
  'str(a),add_item(",",txn.s,sfx)', 'str(ab),cut_crlf', 'str(Example.com:8080),host_only', 'str(example.com),port_only',
  'str([::1]:80),host_only', 'str([::1]:80),port_only', 'str(::1),host_only', 'str(a:),port_only', 'str(a:x1),port_only',
  'str(:80),port_only', 'bool(1),iif(yes,no)', 'int(0),iif(a,b)', 'str(7),iif(a,b)', 'str(x),iif(a,b)', 'str(a/b<>),json',
  'bin(22225c0a7f80ff),json', 'bin(c3a9),json(utf8)', 'bin(c3a9),json(ascii)', 'bin(c3a9),json', 'bin(ff41),json(utf8s)',
  'bin(ff41),json(utf8)', 'bin(e282ac),json(utf8)', 'bin(f09f9880),json(utf8)', 'bin(f09f9880),json(utf8s)', 'bin(c0af),json(utf8p)',
  'bin(c0af),json(utf8)', 'bin(eda080),json(utf8ps)', 'str(/////a///b/c/),regsub(/+,/,g)',
  'str(foo123bar),regsub("(foo|bar)([0-9]+)?","\\2\\1",i)', 'str(aaa),regsub(a,b)', 'str(aaa),regsub(a,b,g)', 'str(abc),regsub(x*,-,g)',
  'str(abc),regsub(^,>,g)', 'str(abc),regsub($,<,g)', 'str(hello world),regsub(o,0,g)', 'str(ABC),regsub(b,x,ig)',
  'str(a.b.c),regsub([.],_,g)', 'str(abc),regsub(b,\\x41)', 'str(abab),regsub(^a,X,g)',
  'str(abc),secure_memcmp(txn.s)', 'str(hello),secure_memcmp(txn.s)', 'str(hello),strcmp(txn.s)', 'str(a),strcmp(txn.s)',
  'str(hellp),strcmp(txn.s)', 'str(hell),strcmp(txn.s)', 'str(helloo),strcmp(txn.s)', 'str(z),strcmp(txn.s)', 'str(x),strcmp(txn.none)',
  'str(a%20b+c),url_dec', 'str(a%20b+c),url_dec(1)', 'str(a+b?c+d),url_dec', 'str(%zz),url_dec', 'str(%41%42),url_dec',
  'str(%e9),url_dec,hex', 'str(a%2),url_dec', 'str(a b/c?d=e&f~g.h-i_j),url_enc', 'str(hello),length', 'str(),length',
  // encodings
  'str(hello),base64', 'str(hello!?),ub64enc', 'str(aGVsbG8=),b64dec', 'str(aGVsbG8),b64dec', 'str(aGVsbG8),ub64dec',
  'str(aGk),ub64dec', 'str(a),b64dec,hex', 'str(),b64dec,hex', 'str(QQ==QQ==),b64dec,hex', 'str(Q===),b64dec,hex', 'str(_-8),ub64dec,hex',
  'str(aGk=),ub64dec,hex', 'str(/+/+),b64dec,hex', 'str(_-_-),b64dec,hex', 'str(hello),hex', 'int(255),hex', 'ipv6(::1),hex',
  'str(abc),hex2i', 'str(1g),hex2i', 'str(ffffffffffffffffff),hex2i', 'str(),hex2i', 'str(7fffffffffffffff),hex2i',
  'str(8000000000000000),hex2i', 'int(5),htonl,hex', 'int(-1),htonl,hex', 'int(4294967297),htonl,hex',
  'bin(0102030405),bytes(1,2),hex', 'bin(0102030405),bytes(3),hex', 'bin(0102030405),bytes(5),hex', 'bin(0102030405),bytes(9),hex',
  'bin(0102030405),bytes(0,0),hex', 'bin(0102030405),bytes(2,10),hex', 'str(hello),bytes(1,3)', 'bin(01020304050607),be2dec(:,2)',
  'bin(01020304050607),be2dec(-,2,1)', 'bin(01020304050607),be2dec(,2,1)', 'bin(7f000001),be2dec(.,1)', 'bin(ffffffffffffffff),be2dec(,8)',
  'bin(01020304050607),be2hex', 'bin(01020304050607),be2hex(:,2)', 'bin(01020304050607),be2hex(--,2,1)',
  'bin(0102030405060708),be2hex(,3,1)', 'int(0),http_date', 'int(1234567890),http_date', 'int(1234567890),http_date(3600)',
  'int(1234567890123),http_date(0,ms)', 'int(1234567890123456),http_date(0,us)', 'int(1234567890007),http_date(0,ms)',
  'int(1234567890),utime(%Y-%m-%d %H:%M:%S)', 'int(1234567890),utime(%a %A %b %B %d %e %j %u %w %U %W %V %G %g %y %C)',
  'int(1234567890),utime(%I %p %s %z %Z %D %F %T %R %h %k %l %%)', 'int(1234567890),utime(%c|%x|%X|%n|%t)',
  'int(1234567890),utime(%Y,3600)', 'int(0),utime(%Y%m%d)', 'int(1230768000),utime(%G-%V-%u %U %W)',
  'int(1234567890),ltime(%Y%m%d%H%M%S)', 'int(1234567890),ltime(%z)', 'int(86399),ltime(%H:%M,1)',
  // hashes
  'str(abc),sdbm', 'str(abc),sdbm(1)', 'str(abc),djb2', 'str(abc),djb2(1)', 'str(abc),wt6', 'str(abc),wt6(1)', 'str(abc),crc32',
  'str(abc),crc32(1)', 'str(abc),crc32c', 'str(abc),crc32c(1)', 'str(abc),xxh32', 'str(abc),xxh32(1)', 'str(abc),xxh64',
  'str(abc),xxh64(12345)', 'str(abc),xxh3', 'str(abc),xxh3(1)', `str(${LONG}),xxh3`, `str(${LONG}),xxh3(-5)`, `str(${LONG}),xxh64`,
  `str(${LONG}),xxh32`, `str(${LONG}),wt6`, `str(${LONG}),sdbm`, `str(${LONG}),djb2`, `str(${LONG}),crc32`, `str(${LONG.slice(0, 150)}),xxh3`,
  `str(${LONG.slice(0, 40)}),xxh3`, 'str(),xxh3', 'str(),xxh64', 'str(),xxh32', 'str(),sdbm', 'str(),wt6', 'str(),crc32',
  'str(abcdefgh),xxh3', 'str(abcdefghijkl),xxh3(7)', 'int(1),sdbm', 'ipv4(10.0.0.1),wt6',
  'str(abc),sha1,hex', 'str(abc),sha2,hex', 'str(abc),sha2(224),hex', 'str(abc),sha2(384),hex', 'str(abc),sha2(512),hex',
  'str(abc),digest(md5),hex', 'str(abc),digest(SHA256),hex', 'str(abc),hmac(sha256,c2VjcmV0),hex', 'str(abc),hmac(sha1,txn.key),hex',
  `bin(${aesCt.toString('hex')}),aes_gcm_dec(128,${aesNonce.toString('base64')},${aesKey.toString('base64')},${aesTag.toString('base64')})`,
  `bin(${aesCt.toString('hex')}),aes_gcm_dec(128,${aesNonce.toString('base64')},${aesKey.toString('base64')},AAAAAAAAAAAAAAAAAAAAAA==)`,
  // maps
  `str(foo),map(${M('str.map')})`, `str(nope),map(${M('str.map')},def)`, `str(nope),map(${M('str.map')})`, `str(a),map(${M('str.map')})`,
  `str(trail),map(${M('str.map')})`, `str(FOO),map_str(${M('str.map')},x)`, `str(/api/v2/x),map_beg(${M('beg.map')})`,
  `str(/apix),map_beg(${M('beg.map')})`, `str(/other),map_beg(${M('beg.map')})`, `str(x.jpg),map_end(${M('end.map')})`,
  `str(x.png),map_end(${M('end.map')})`, `str(xg),map_end(${M('end.map')})`, `str(the login page),map_sub(${M('sub.map')})`,
  `str(/a/static/b),map_dir(${M('dir.map')})`, `str(/a/img/x/y),map_dir(${M('dir.map')})`, `str(http://www.example.com/),map_dom(${M('dom.map')})`,
  `str(/user/42),map_reg(${M('reg.map')})`, `str(/user/42),map_regm(${M('reg.map')})`, `str(/aaa),map_regm(${M('reg.map')})`,
  `str(zx),map_regm(${M('reg.map')})`, `str(zxy),map_regm(${M('reg.map')})`, `int(150),map_int(${M('int.map')})`, `int(10),map_int(${M('int.map')})`,
  `str(10),map_int(${M('int.map')})`, `str(10.1.2.3),map_ip(${M('ip.map')})`, `ipv4(10.2.0.1),map_ip(${M('ip.map')})`,
  `ipv6(2001:db8::5),map_ip(${M('ip.map')})`, `ipv4(172.16.0.1),map_ip(${M('ip.map')})`, `ipv6(::ffff:10.1.1.1),map_ip(${M('ip.map')})`,
  `ipv4(192.168.1.1),map_ip(${M('ip.map')},none)`, `ipv4(192.168.1.2),map_ip(${M('ip.map')},none)`, `str(foo),map_str_int(${M('str_int.map')}),add(1)`,
  `str(bar),map_str_ip(${M('str_ip.map')})`, `str(x),map_str_int(${M('str_int.map')},5)`, `str(x),map_str_ip(${M('str_ip.map')},1.2.3.4)`,
  `str(/api),map_beg_int(${M('str_int.map')},3)`,
  // protocol decoders and language
  'str({\\"a\\":1.5}),json_query($.a)', 'str({\\"a\\":1.5}),json_query($.a,int)', 'str("{\\"c\\":[1,2,{\\"d\\":true}]}"),json_query($.c[2].d)', 'str("{\\"c\\":[1,2,{\\"d\\":false}]}"),json_query($.c[2].d)', 'str({\\"e\\":100000000}),json_query($.e)', 'str({\\"f\\":-0.00001234}),json_query($.f)', 'str({\\"g\\":null}),json_query($.g)', 'str({\\"h\\":1e3}),json_query($.h)', 'str({\\"h\\":1e3}),json_query($.h,int)', 'str({\\"x\\":\\"a\\\\u00e9b\\"}),json_query($.x),hex', 'str({\\"x\\":\\"a\\\\nb\\\\/\\"}),json_query($.x),hex', 'str({\\"x\\":\\"a\\\\tb\\\\\\"\\"}),json_query($.x),hex', 'str({\\"x\\":{\\"y\\":2}}),json_query($.x)', 'str("{\\"x\\":{\\"y\\":2}}"),json_query($.x.y)', 'str("{\\"a\\":1,\\"a\\":2}"),json_query($.a)', 'str("{\\"c\\":[5,6]}"),json_query($.c[1])', 'str("{\\"c\\":[5,6]}"),json_query($.c[2])', 'str(not json),json_query($.a)', 'str({\\"a\\":123456789012}),json_query($.a)', 'str({\\"a\\":0.1}),json_query($.a)', 'str({\\"a\\":\\"12\\"}),json_query($.a,int)', 'str({\\"a\\":-7}),json_query($.a,int),add(1)', 'str({\\"my.key\\":5}),json_query($.my\\\\.key)', 'str({\\"a\\":5}),json_query($)', 'str("[1,2]"),json_query($[0])', 'str({\\"a\\":1.5  }),json_query($.a)', 'str({\\"a\\":true}),json_query($.a,int)', 'str({\\"a\\":0x10}),json_query($.a,int)', 'str({\\"a\\":010}),json_query($.a,int)', 'str({\\"a\\":-0}),json_query($.a)', 'str({\\"a\\":1e300}),json_query($.a)', 'str({\\"a\\":123456.5}),json_query($.a)', 'str({\\"a\\":99999999999999999999}),json_query($.a,int)', 'str("en-US;q=0.8, fr;q=0.9, es"),language(fr;en)', 'str("en-US;q=0.8, fr;q=0.5"),language(fr;en)', 'str(de),language(fr;en,zz)', 'str(de),language(fr;en)', 'str(fr-CA),language(fr;en)', 'str(en;q=1.5),language(en)', 'str("en;q=0,fr"),language(en)', 'str("en;q=0.123,fr;q=0.12"),language(fr;en)', 'str("en x, fr;q=0.1"),language(fr;en)', 'str("en ;q=0.5, fr; q = 0.7"),language(fr;en)', 'str(en-us),language(en-US;en)',
  // variables and internal state
  'var(txn.num)', 'var(txn.s),upper', 'var(txn.none)', 'var(txn.none,dflt)', 'var(txn.ip),ipmask(8)', 'var(txn.b),hex',
  'var(txn.num),add(txn.num)', 'var(txn.num),hex', 'var(txn.ip),hex', 'str(abc),set-var(txn.t)', 'int(1),set-var(txn.num,ifnotexists)',
  'int(1),set-var(txn.new,ifnotexists)', 'int(50),set-var(txn.num,ifgt)', 'int(10),set-var(txn.num,ifgt)', 'int(10),set-var(txn.num,iflt)',
  'str(),set-var(txn.e,ifnotempty)', 'str(x),set-var(txn.e,ifempty)', 'int(0),set-var(txn.e,ifnotempty)', 'str(a),unset-var(txn.s)',
  'str(x),set-var(txn.num,ifexists)', 'always_true', 'always_false', 'int(5)', 'nbproc', 'proc', 'thread', 'hostname',
  'env(SY_EVAL_VAR)', 'env(SY_EVAL_UNSET)', 'rand(1)', 'date,sub(1000000000),bool', 'str(x),debug,upper', 'str(a),debug(pfx,stderr)',
  'stopping', 'fe_name', 'fe_id', 'so_name', 'so_id', 'fe_defbe', 'fe_client_timeout', 'fc_http_major', 'fc_rcvd_proxy',
];

/** Expressions evaluated in the backend (backend and server fetches). */
const BE_EXPRS: string[] = [
  'nbsrv', 'nbsrv(b1)', 'nbsrv(b2)', 'connslots', 'connslots(b1)', 'connslots(b2)', 'be_conn', 'be_conn_free', 'be_conn_free(b1)',
  'be_conn_free(b2)', 'queue', 'avg_queue', 'avg_queue(b2)', 'srv_conn(s1)', 'srv_conn_free(s1)', 'srv_conn_free(b1/x)', 'srv_is_up(s1)',
  'srv_is_up(b2/z1)', 'srv_is_up(b2/z2)', 'srv_iweight(s2)', 'srv_uweight(s2)', 'srv_weight(s2)', 'srv_queue(s1)', 'be_name', 'be_id',
  'fe_name', 'fe_id', 'be_server_timeout', 'be_tunnel_timeout', 'cur_server_timeout', 'str(b2),nbsrv', 'str(b1),nbsrv', 'str(nope),nbsrv',
  'str(s1),srv_queue', 'str(b2/z2),srv_queue', 'nbsrv,add(1)',
];

/** Conditions, each printed T or F by haproxy. */
const CONDS: string[] = [
  'if { str(abc) -m str abc }', 'if { str(abc) -m str -i ABC }', 'if { str(abc) -m str ABC }', 'if { str(abc) -m str x y abc }',
  'if { str(abcdef) -m beg abc xyz }', 'if { str(abcdef) -m beg -i ABC }', 'if { str(abcdef) -m end def }', 'if { str(abcdef) -m end -i DEF }',
  'if { str(abcdef) -m sub cde }', 'if { str(abcdef) -m sub -i CDE }', 'if { str(abcdef) -m sub xyz }', 'if { str(abc) -m len 3 }',
  'if { str(abc) -m len gt 3 }', 'if { str(abc) -m len 1:3 }', 'if { str(abc) -m reg ^a.c$ }', 'if { str(ABC) -m reg -i ^a }',
  'if { str(ABC) -m reg ^a }',
  ...['/images', '/images/png', 'images/png', '/png/logo', 'logo/32x32.png', '32x32.png', 'png', '32x32', '/', 'images/'].map((p) => `if { str(/images/png/logo/32x32.png) -m dir ${p} }`),
  ...['http', 'www1', '.www1', 'dc-eu', 'example', 'com', '80', 'dc-eu.example', 'blah', ':www1:', 'dc-eu.example:80', 'eu', 'dc', 'WWW1'].map(
    (p) => `if { str(http://www1.dc-eu.example.com:80/blah) -m dom ${p} }`,
  ),
  'if { str(http://WWW1.example.com/) -m dom -i www1 }', 'if { str(/a/) -m dir / }', 'if { str(a//b) -m dir / }', 'if { str(abc) -m dom ... }',
  'if { int(5) 5 }', 'if { int(5) 1:4 }', 'if { int(5) gt 4 }', 'if { int(5) lt 5 }', 'if { int(5) ge 5 }', 'if { int(5) le 4 }',
  'if { int(5) 3: }', 'if { int(5) :3 }', 'if { int(-5) lt 0 }', 'if { int(5) 1 2 5 }', 'if { int(5) eq 6 }', 'if { str(12) -m int 12 }',
  'if { bool(1) }', 'if { bool(0) }', 'if { int(3) -m bool }', 'if { int(0) -m bool }', 'if { str(7) -m bool }', 'if { bool(1) -m int 1 }',
  'if { var(txn.s) -m found }', 'if { var(txn.none) -m found }', 'if { str() -m found }',
  'if { var(txn.s) -m str hello }', 'if { var(txn.num) -m str 42 }',
  'if { ipv4(10.1.2.3) 10.0.0.0/8 }', 'if { ipv4(10.1.2.3) 10.1 }', 'if { ipv4(10.0.0.1) 10.1 }', 'if { ipv4(192.168.1.77) 192.168.0.0/255.255.0.0 }',
  'if { ipv4(192.168.1.77) 192.168.0.1/22 }', 'if { ipv4(192.168.4.77) 192.168.0.1/22 }', 'if { ipv4(10.0.0.5) 0.0.0.5/0.0.0.255 }',
  'if { ipv4(10.0.1.6) 0.0.0.5/0.0.0.255 }', 'if { ipv6(::ffff:10.0.0.1) 10.0.0.0/8 }', 'if { ipv4(10.0.0.1) ::ffff:10.0.0.0/104 }',
  'if { ipv6(2002:a00:1::) 10.0.0.0/8 }', 'if { ipv6(::a00:1) 10.0.0.0/8 }', 'if { ipv6(2001:db8::1) 2001:db8::/32 }',
  'if { ipv6(2001:db9::1) 2001:db8::/32 }', 'if { str(10.0.0.1) -m ip 10.0.0.0/8 }', 'if { ipv4(127.0.0.1) localhost }',
  'if { ipv4(127.0.0.1) 127.0.0.1/8 ::1 }', 'if { ipv6(::1) 127.0.0.1/8 ::1 }', 'if { ipv4(1.2.3.4) 0.0.0.0/0 }', 'if { ipv6(1::2) ::/0 }',
  'if { bin(414243) -m bin 414243 }', 'if { str(ABC) -m bin 414243 }', 'if { bin(414243) -m bin 4142 }', 'if { bin(41004243) -m len 1 }',
  'if { bin(41004243) -m str A }', 'if { meth(GET) -m str GET }', 'if { meth(get) -m str -i GET }',
  'if { always_true } !{ always_false }', 'if { always_false } || { always_true }', 'unless { always_true }', 'unless { always_false }',
  'if { always_true } { always_false } or { always_true } { always_true }', 'if !{ always_true } or !{ always_true }', 'if TRUE !FALSE',
  'if a1', 'if a2', 'if !a2', 'if a1 a2', 'if a2 or a1', 'unless a1 a2', 'if { str(abc),upper -m str ABC }', 'if { str(5),add(1) 6 }',
  'if { str(abc),length 3 }', 'if { var(txn.none),length 0 }', 'if !{ var(txn.none),length 0 }', 'if { str(x),map(' + M('str.map') + ') -m found }',
  'if { str(foo),map(' + M('str.map') + ') -m str bar }', 'if { str(/api/v2) -m beg -f ' + M('beg.lst') + ' }', 'if { str(abc) -m str -f ' + M('str.lst') + ' }', 'if { str(abc2) -m str -f ' + M('str.lst') + ' }',
  'if { str(foo) -M -f ' + M('str.map') + ' }', 'if { str(x) }', 'if { int(0) }', 'if { int(1) }',
];

/** Named ACLs used by CONDS. */
const ACLS = ['acl a1 str(x) -m str y', 'acl a1 str(x) -m str x', 'acl a2 always_false'];

// ---------------------------------------------------------------------------
// Our side
// ---------------------------------------------------------------------------

function server(name: string, id: number, o: Partial<ServerView> = {}): ServerView {
  return { name, id, maxconn: 0, maxqueue: 0, backup: false, served: 0, uweight: 1, eweight: 16, state: 'UP', queue: { length: 0 }, config: {}, ...o };
}
function backend(name: string, uuid: number, servers: ServerView[], o: Partial<BackendView> = {}): BackendView {
  const act = servers.filter((s) => !s.backup && s.state === 'UP').length;
  const bck = servers.filter((s) => s.backup && s.state === 'UP').length;
  return {
    name, uuid, servers, queue: { length: 0 }, counters: { curConns: 0 }, activeCount: act, backupCount: bck,
    config: { name, options: new Map(), timeouts: { server: 2000, client: 1000 } }, ...o,
  };
}
const B0 = backend('b0', 2, [
  server('s1', 1, { maxconn: 10, maxqueue: 5 }),
  server('s2', 2, { maxconn: 20, maxqueue: 5, uweight: 3, eweight: 48, config: { weight: 3 } }),
  server('s3', 3, { maxconn: 5, maxqueue: 1, backup: true }),
], { counters: { curConns: 1 } });
const B1 = backend('b1', 3, [server('x', 1), server('y', 2, { backup: true, state: 'MAINT' })]);
const B2 = backend('b2', 4, [server('z1', 1, { state: 'MAINT' }), server('z2', 2, { backup: true, maxconn: 7 }), server('z3', 3, { backup: true, maxconn: 9 })]);
const BACKENDS = new Map([B0, B1, B2].map((b) => [b.name, b]));
const FE: FrontendView = { name: 'fe', uuid: 1, counters: { curConns: 1 }, config: { name: 'fe', options: new Map(), timeouts: { client: 1000 }, defaultBackend: { name: 'b1' } } };

const feEnv: CompileEnv = { frontend: FE, findBackend: (n) => BACKENDS.get(n), findFrontend: (n) => (n === 'fe' ? FE : undefined), processEnv: { SY_EVAL_VAR: 'from-env' } };
const beEnv: CompileEnv = { ...feEnv, backend: B0 };

function context(inBackend: boolean): BasicSampleContext {
  const ctx = new BasicSampleContext({
    final: true,
    frontend: FE,
    listener: { spec: { bind: { name: 'web' } }, luid: 1 },
    ...(inBackend ? { backend: B0 } : {}),
  });
  for (const [name, , s] of VARS) ctx.vars('txn')!.set(name.slice(4), s);
  return ctx;
}

const pctx = (backendSide: boolean): ParseCtx => ({ place: { file: 'X', line: 1 }, usage: 'http-request', proxyMode: 'http', proxyCap: { frontend: !backendSide, backend: backendSide } });

/** log.c lf_encode_chunk() with http_encode_map, as `http-request return lf-string` prints samples: controls but TAB, and DEL, as %XX. */
function httpEncode(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function ourExpr(e: string, inBackend: boolean): string {
  const r = parseLogFormat(`[%[${e}]]`, pctx(inBackend));
  if (!r.ok) return `PARSE ERROR: ${r.message}`;
  let out = '';
  for (const n of r.format.nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'expr') {
      const c = compileSample(n.expr, inBackend ? beEnv : feEnv);
      if (!c.ok) return `COMPILE ERROR: ${c.message}`;
      const s = c.fn(context(inBackend));
      out += httpEncode(s === undefined || s === MISS ? '' : (sampleToString(s) ?? ''));
    }
  }
  return out;
}

function ourCond(c: string): string {
  const acls = new Map<string, AclDefinition>();
  for (const line of ACLS) {
    const r = parseAclLine(line.split(' ').slice(1), pctx(false));
    if (!r.ok) return `ACL ERROR: ${r.message}`;
    addAclTerm(acls, r.name, r.term);
  }
  const words = c.split(' ');
  const r = parseCondition(words, 0, { lookup: (n) => acls.get(n) }, pctx(false));
  if (!r.ok) return `COND ERROR: ${r.message}`;
  const f = compileCondition(r.cond, feEnv);
  if (!f.ok) return `COMPILE ERROR: ${f.message}`;
  return f.fn(context(false)) === 'true' ? 'T' : 'F';
}

// ---------------------------------------------------------------------------
// HAProxy side
// ---------------------------------------------------------------------------

function quoteFormat(f: string): string {
  if (!f.includes("'")) return `'${f}'`;
  return `"${f.replace(/[\\"$]/g, (m) => `\\${m}`)}"`;
}

function haproxyConfig(): string {
  const lines = [
    'global', '  nbthread 1', 'defaults', '  mode http', '  timeout client 1s', '  timeout server 2s', '  timeout connect 1s',
    'frontend fe', '  bind 127.0.0.1:${PORT:fe} name web', ...ACLS.map((a) => `  ${a}`),
    ...VARS.map(([n, e]) => `  http-request set-var(${n}) ${e}`),
  ];
  EXPRS.forEach((e, i) => lines.push(`  http-request return status 200 content-type text/plain lf-string ${quoteFormat(`[%[${e}]]`)} if { path /e${i} }`));
  // "if X": T when { path } AND X, else F; "unless X": F when { path } AND X, else T.
  // The path test is repeated in every OR-ed suite of X.
  CONDS.forEach((c, i) => {
    const unless = c.startsWith('unless ');
    const body = c.replace(/^(if|unless) /, '');
    const guarded = body.split(/ (?:or|\|\|) /).map((suite) => `{ path /c${i} } ${suite}`).join(' || ');
    lines.push(`  http-request return status 200 content-type text/plain string ${unless ? 'F' : 'T'} if ${guarded}`);
    lines.push(`  http-request return status 200 content-type text/plain string ${unless ? 'T' : 'F'} if { path /c${i} }`);
  });
  lines.push('  use_backend b0 if { path_beg /b/ }', '  default_backend b1');
  lines.push('backend b0', '  server s1 127.0.0.1:1 maxconn 10 maxqueue 5', '  server s2 127.0.0.1:2 maxconn 20 maxqueue 5 weight 3', '  server s3 127.0.0.1:3 maxconn 5 maxqueue 1 backup');
  BE_EXPRS.forEach((e, i) => lines.push(`  http-request return status 200 content-type text/plain lf-string ${quoteFormat(`[%[${e}]]`)} if { path /b/${i} }`));
  lines.push('backend b1', '  server x 127.0.0.1:4', '  server y 127.0.0.1:5 backup disabled');
  lines.push('backend b2', '  server z1 127.0.0.1:6 disabled', '  server z2 127.0.0.1:7 backup maxconn 7', '  server z3 127.0.0.1:8 backup maxconn 9');
  return lines.join('\n') + '\n';
}

function get(agent: http.Agent, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error(`timeout on ${path}`)));
  });
}

// Debug aid: SY_EVAL_DUMP=<file> writes the haproxy configuration (port 0) for `haproxy -c -f <file>`.
if (process.env['SY_EVAL_DUMP'] !== undefined) writeFileSync(process.env['SY_EVAL_DUMP'], haproxyConfig().replace('${PORT:fe}', '18099'));

test('expressions, converters and conditions evaluate as in haproxy 2.6', { skip: !haproxyAvailable() && 'haproxy is not installed', timeout: 60000 }, async () => {
  const p = await startProxy('haproxy', haproxyConfig(), { env: { SY_EVAL_VAR: 'from-env' } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const port = p.ports['fe']!;
    const mismatches: string[] = [];
    const exprPaths = EXPRS.map((_, i) => `/e${i}`);
    const results = await Promise.all(exprPaths.map((path) => get(agent, port, path)));
    EXPRS.forEach((e, i) => {
      const ours = ourExpr(e, false);
      if (ours !== results[i]) mismatches.push(`${e}\n    haproxy: ${JSON.stringify(results[i])}\n    ours:    ${JSON.stringify(ours)}`);
    });
    const beResults = await Promise.all(BE_EXPRS.map((_, i) => get(agent, port, `/b/${i}`)));
    BE_EXPRS.forEach((e, i) => {
      const ours = ourExpr(e, true);
      if (ours !== beResults[i]) mismatches.push(`[backend] ${e}\n    haproxy: ${JSON.stringify(beResults[i])}\n    ours:    ${JSON.stringify(ours)}`);
    });
    const condResults = await Promise.all(CONDS.map((_, i) => get(agent, port, `/c${i}`)));
    CONDS.forEach((c, i) => {
      const ours = ourCond(c);
      if (ours !== condResults[i]) mismatches.push(`[cond] ${c}\n    haproxy: ${condResults[i]}\n    ours:    ${ours}`);
    });
    assert.equal(mismatches.length, 0, `${mismatches.length} mismatches:\n${mismatches.join('\n')}`);
    assert.ok(EXPRS.length + BE_EXPRS.length + CONDS.length >= 80);
  } finally {
    agent.destroy();
    await p.stop();
  }
});

test.after(() => {
  if (process.env['SY_EVAL_DUMP'] === undefined) rmSync(dir, { recursive: true, force: true });
});
