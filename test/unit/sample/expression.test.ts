import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSampleExpression, sampleErrorCode } from '../../../src/sample/expression.js';
import { allFetches, fetchCheckpoints, findFetch } from '../../../src/sample/fetch-registry.js';
import { allConverters } from '../../../src/sample/converter-registry.js';
import { canCast, checkpoints, type ParseCtx } from '../../../src/sample/types.js';

const ctx: ParseCtx = { place: { file: 'f', line: 1 }, usage: 'http-request', proxyMode: 'http', proxyCap: { frontend: true, backend: false } };

test('registries hold every HAProxy 2.6 keyword', () => {
  // 453 fetches registered by haproxy 2.6 + 4 device-detection ones we only declare
  assert.equal(allFetches().length, 457);
  // 135 converters registered by haproxy 2.6 + 2 device-detection ones
  assert.equal(allConverters().length, 137);
});

test('fetch checkpoint masks follow the sources (haproxy -dKsmp rows)', () => {
  assert.equal(fetchCheckpoints(findFetch('src')!), checkpoints('YYYYYYYYYYYYYYYYYYYY..'));
  assert.equal(fetchCheckpoints(findFetch('req.hdr')!), checkpoints('..YYYYYYYYY...........'));
  assert.equal(fetchCheckpoints(findFetch('hdr')!), checkpoints('..YYYYYYYYYYYYYYYY.Y..'));
  assert.equal(fetchCheckpoints(findFetch('res.cache_hit')!), checkpoints('..........YYYYYYYYYY..'));
  assert.equal(fetchCheckpoints(findFetch('ssl_fc')!), checkpoints('.YYYYYYYYYYYYYYYYYY...'));
});

test('casts follow sample.c', () => {
  assert.ok(canCast('bool', 'bin'));
  assert.ok(!canCast('bin', 'sint'));
  assert.ok(!canCast('ipv4', 'bool'));
  assert.ok(canCast('str', 'meth'));
  assert.ok(canCast('any', 'addr'));
});

test('a fetch with converters parses into plain data', () => {
  const r = parseSampleExpression(['req.hdr(host,1),lower,field(1,:)', 'if'], 0, ctx);
  assert.ok(r.ok);
  assert.equal(r.next, 1);
  assert.equal(r.expr.fetchName, 'req.hdr');
  assert.deepEqual(r.expr.args, [{ type: 'str', value: 'host' }, { type: 'sint', value: 1 }]);
  assert.deepEqual(r.expr.converters.map((c) => c.name), ['lower', 'field']);
  assert.equal(r.expr.outType, 'str');
  assert.doesNotThrow(() => JSON.stringify(r.expr));
});

test('converters may follow as separate words (sample.c "one converter per keyword")', () => {
  const r = parseSampleExpression(['src,', 'ipmask(24)', 'table', 't'], 0, ctx);
  assert.ok(r.ok);
  assert.equal(r.next, 2);
  assert.equal(r.expr.converters[0]?.name, 'ipmask');
  assert.equal(r.expr.outType, 'ipv4');
});

test('quotes and escapes inside arguments (arg.c make_arg_list)', () => {
  const r = parseSampleExpression([`str("a,b"),concat('x)y',,\\"z)`], 0, ctx);
  assert.ok(r.ok);
  assert.deepEqual(r.expr.args, [{ type: 'str', value: 'a,b' }]);
  assert.deepEqual(r.expr.converters[0]?.args, [{ type: 'str', value: 'x)y' }, { type: 'str', value: '' }, { type: 'str', value: '"z' }]);
});

test('references stay unresolved with their position', () => {
  const r = parseSampleExpression(['sc_conn_cnt(0,t1),table_conn_cnt(t2)'], 0, ctx);
  assert.ok(r.ok);
  assert.deepEqual(r.expr.unresolved, [
    { type: 'tab', name: 't1', position: 2 },
    { type: 'tab', name: 't2', position: 1, converter: 'table_conn_cnt' },
  ]);
});

test("haproxy's messages", () => {
  const msg = (w: string, c: ParseCtx = ctx): string => {
    const r = parseSampleExpression([w], 0, c);
    assert.ok(!r.ok, w);
    return r.message;
  };
  assert.equal(msg('foo'), "unknown fetch method 'foo'");
  assert.equal(msg('src,foo'), "unknown converter 'foo'");
  assert.equal(msg('req.hdr(host,x)'), "fetch method 'req.hdr' : failed to parse 'x' as type 'integer' at position 2");
  assert.equal(msg('payload(1)'), "fetch method 'payload' : missing arguments (got 1/2), type 'integer' expected");
  assert.equal(msg('src(1)'), "fetch method 'src' : expected ')' before '1)'");
  assert.equal(msg('src,ipmask()'), "invalid arg 1 in converter 'ipmask' : expected type 'IPv4 mask' at position 1, but got nothing");
  assert.equal(msg('bin(00),bool'), "converter 'bool' cannot be applied");
  assert.equal(msg('str(a),word(0,:)'), "invalid args in converter 'word' : Unexpected value 0 for index");
  assert.equal(msg('src,ipmask(24)x'), "missing comma after converter 'ipmask'");
  assert.equal(msg('res.hdr(x)'), "fetch method 'res.hdr(x)' extracts information from 'HTTP response headers', none of which is available here");
  assert.equal(msg('res.hdr(x)', { ...ctx, usageLabel: 'set-var(txn.x)' }), "fetch method 'set-var(txn.x)' extracts information from 'HTTP response headers', none of which is available here");
  assert.equal(msg('req_ssl_sni', { ...ctx, usage: 'tcp-request connection' }), "fetch method 'req_ssl_sni' extracts information from 'request buffer', none of which is available here");
});

test('unbuilt device detection gives the haproxy message plus a hint', () => {
  const r = parseSampleExpression(['51d.all(a)'], 0, ctx);
  assert.ok(!r.ok);
  assert.equal(r.message, "unknown fetch method '51d.all'");
  assert.match(r.hint ?? '', /51Degrees/);
});

test('argument warnings are returned, not errors', () => {
  const r = parseSampleExpression(['fc_unacked(ms)'], 0, ctx);
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, ["no argument supported for 'fc_*' sample expressions returning counters."]);
});

test('error codes', () => {
  assert.equal(sampleErrorCode("unknown fetch method 'x'"), 'SMP_UNKNOWN_FETCH');
  assert.equal(sampleErrorCode("converter 'bool' cannot be applied"), 'SMP_CONVERTER_TYPE_MISMATCH');
  assert.equal(sampleErrorCode("no such ACL : 'x'"), 'ACL_UNDEFINED');
});
