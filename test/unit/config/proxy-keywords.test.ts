/**
 * What the proxy keywords store in the model, and which ones say they are not
 * enforced yet. The messages themselves are compared with haproxy in
 * test/compat/config/proxy-keywords.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './proxy-driver.js';
import type { ProxyConfig } from '../../../src/config/model/proxy.js';

function first(text: string, extra?: Record<string, string>): { p: ProxyConfig; r: ReturnType<typeof load> } {
  const r = load(text, { notEnforced: true, ...(extra !== undefined ? { extra } : {}) });
  const p = r.model.proxies[0];
  assert.ok(p, 'a proxy was created');
  return { p, r };
}

describe('options', () => {
  it('keeps one HTTP connection mode', () => {
    const { p } = first('backend be\n  option httpclose\n  option http-server-close\n');
    assert.equal(p.httpConnectionMode, 'server-close');
    assert.equal(p.options.has('httpclose'), false);
    assert.equal(p.options.get('http-server-close'), true);
  });

  it('stores option redispatch with its interval', () => {
    assert.equal(first('backend be\n  option redispatch 2\n').p.redispatchAfter, 2);
    assert.equal(first('backend be\n  option redispatch\n').p.redispatchAfter, -1);
    const { p } = first('defaults\n  option redispatch\nbackend be\n  no option redispatch\n');
    assert.equal(p.redispatchAfter, 0);
    assert.equal(p.options.get('redispatch'), false);
  });

  it('parses option forwardfor', () => {
    const { p } = first('frontend fe\n  mode http\n  option forwardfor except 10.0.0.0/8 header X-Client if-none\n');
    assert.deepEqual({ ...p.forwardFor, place: undefined }, { header: 'X-Client', except: '10.0.0.0/8', ifNone: true, place: undefined });
  });

  it('says what is not enforced yet, and only that', () => {
    const r = load('defaults\n  option redispatch\n  option tcp-check\n  option httplog\n  option splice-auto\n', { notEnforced: true });
    const pending = r.warnings.filter((w) => w.includes('not enforced'));
    assert.deepEqual(pending, [
      "parsing [t.cfg:5] : 'option splice-auto' (no splicing in Node.js) is parsed but not enforced yet by Switchyard.",
    ]);
  });
});

describe('timeouts and limits', () => {
  it('stores timeouts in milliseconds', () => {
    const { p, r } = first('listen li\n  timeout client 2s\n  timeout connect 150\n  timeout tunnel 1h\n  timeout http-request 10s\n');
    assert.deepEqual(p.timeouts, { client: 2000, connect: 150, tunnel: 3600000, httpRequest: 10000 });
    assert.deepEqual(r.warnings.filter((w) => w.includes('not enforced')).length, 0);
  });

  it('only warns about overwriting a value set in the same section', () => {
    // proxy.c compares with the defaults' value: setting the inherited value again is not "overwriting".
    const { r } = first('defaults\n  timeout client 1s\nfrontend fe\n  timeout client 1s\n  timeout client 2s\n  timeout client 3s\n');
    assert.deepEqual(r.warnings.filter((w) => w.includes('overwriting')), ["parsing [t.cfg:6] : overwriting 'timeout client' which was already specified"]);
  });

  it('reads maxconn, fullconn, retries and retry-on', () => {
    const { p } = first('listen li\n  maxconn 10\n  fullconn 20\n  retries 4\n  retry-on conn-failure 503\n  rate-limit sessions 0x10\n');
    assert.deepEqual([p.maxconn, p.fullconn, p.retries, p.retryOn, p.rateLimitSessions], [10, 20, 4, ['conn-failure', '503'], 16]);
  });
});

describe('balancing and persistence', () => {
  it('keeps the algorithm as written for the lb registry', () => {
    const { p } = first('backend be\n  balance random(3)\n  hash-type consistent djb2\n');
    assert.equal(p.balance?.algorithm, 'random(3)');
    assert.deepEqual(p.hashType, { method: 'consistent', function: 'djb2', avalanche: false });
  });

  it('parses cookie options', () => {
    const { p } = first('backend be\n  mode http\n  cookie SRV insert indirect nocache domain .a.com maxidle 30m attr SameSite=Lax\n');
    const c = p.cookie;
    assert.ok(c);
    assert.deepEqual([c.name, c.mode, c.indirect, c.nocache, c.domains, c.maxIdle, c.attrs], ['SRV', 'insert', true, true, ['.a.com'], 1800, ['SameSite=Lax']]);
  });

  it('parses stick tables and stick rules', () => {
    const { p } = first('backend be\n  stick-table type string len 16 size 1k expire 30s store gpc0,http_req_rate(10s)\n  stick on src table be if TRUE\n');
    assert.deepEqual(
      [p.stickTable?.type, p.stickTable?.keyLength, p.stickTable?.size, p.stickTable?.expire, p.stickTable?.store],
      ['string', 16, 1024, 30000, [{ type: 'gpc0', arg: undefined }, { type: 'http_req_rate', arg: '10s' }]],
    );
    assert.equal(p.stickRules[0]?.kind, 'on');
    assert.equal(p.stickRules[0]?.table, 'be');
    assert.equal(p.stickRules[0]?.expression.fetchName, 'src');
  });
});

describe('logging, monitoring, error pages and stats', () => {
  it('keeps captures and monitor settings', () => {
    const { p } = first('frontend fe\n  mode http\n  capture request header Host len 20\n  declare capture response len 8\n  monitor-uri /up\n  monitor fail if FALSE\n');
    assert.deepEqual(p.captures.map((c) => [c.kind, c.name, c.length, c.declared]), [['request', 'Host', 20, false], ['response', undefined, 8, true]]);
    assert.equal(p.monitorUri, '/up');
    assert.equal(p.monitorFail.length, 1);
  });

  it('loads error files at parse time', () => {
    const page = 'HTTP/1.0 503 Busy\r\nContent-Length: 2\r\n\r\nno';
    const { p } = first('frontend fe\n  errorfile 503 busy.http\n  errorloc303 404 /missing\n', { 'busy.http': page });
    assert.equal(p.errorPages[0]?.content?.toString('latin1'), page);
    assert.deepEqual([p.errorPages[1]?.kind, p.errorPages[1]?.status, p.errorPages[1]?.target], ['errorloc303', 404, '/missing']);
  });

  it('detaches the stats settings of a proxy from its defaults', () => {
    const { p } = first('defaults\n  mode http\n  stats auth a:b\nlisten li\n  stats uri /s\n');
    assert.deepEqual([p.stats.enabled, p.stats.uri, p.stats.auths], [true, '/s', []]);
  });
});
