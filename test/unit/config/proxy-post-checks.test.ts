/**
 * The checks between sections: what they resolve into the model (dynamic
 * use_backend names, parsed log formats, balance hash expressions), where
 * their messages point, and when they run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './proxy-driver.js';
import { parseRuleCondition, warnIfMisplaced } from '../../../src/config/proxy/general.js';
import { createLineContext } from '../../../src/config/loader.js';
import { createModel } from '../../../src/config/model/index.js';
import { createProxy } from '../../../src/config/model/proxy.js';

const TIMEOUTS = '  timeout client 1s\n  timeout connect 1s\n  timeout server 1s\n';

describe('references between sections', () => {
  it('keeps dynamic use_backend names as formats and checks static ones', () => {
    const r = load(`defaults\n  mode http\n${TIMEOUTS}frontend fe\n  bind :80\n  use_backend %[req.hdr(host),lower]\n  use_backend app if TRUE\n  use_backend nope\nbackend app\n`);
    assert.deepEqual(r.alerts, ["Proxy 'fe': unable to find required use_backend: 'nope'."]);
    const fe = r.model.proxies[0];
    assert.ok(fe?.useBackends[0]?.dynamic !== undefined);
    assert.equal(fe?.useBackends[1]?.dynamic, undefined);
  });

  it('attaches the referencing line to messages printed without a place', () => {
    const r = load('frontend fe\n  bind :80\n  timeout client 1s\n  default_backend nope\n');
    const d = r.diag.list.find((x) => x.code === 'CFG_BACKEND_NOT_FOUND');
    assert.equal(d?.message, "Proxy 'fe': unable to find required default_backend: 'nope'.");
    assert.deepEqual([d?.place?.line, d?.style], [4, 'none']);
  });

  it('refuses an HTTP frontend on a TCP backend, not the reverse', () => {
    const bad = load(`frontend fe\n  mode http\n  bind :80\n${TIMEOUTS}  default_backend be\nbackend be\n`);
    assert.deepEqual(bad.alerts, ["http frontend 'fe' (t.cfg:1) tries to use incompatible tcp backend 'be' (t.cfg:8) as its default backend (see 'mode')."]);
    const ok = load(`frontend fe\n  bind :80\n${TIMEOUTS}  default_backend be\nbackend be\n  mode http\n`);
    assert.equal(ok.failed, false);
  });

  it('resolves sample arguments naming other objects', () => {
    const r = load(`frontend fe\n  mode http\n  bind :80\n${TIMEOUTS}  acl full be_conn(app) gt 10\n  acl ok http_auth(users)\nbackend app\n`);
    assert.deepEqual(r.alerts, [
      "parsing [t.cfg:8]: unable to find userlist 'users' referenced in arg 1 of ACL keyword 'http_auth' in proxy 'fe'.",
    ]);
  });

  it('skips disabled proxies and does not run after parse errors', () => {
    assert.equal(load('backend be\n  disabled\n  default_backend nope\n').failed, false);
    const r = load('frontend fe\n  bogus\n  default_backend nope\n');
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : unknown keyword 'bogus' in 'frontend' section"]);
  });
});

describe('deferred parsing', () => {
  it('falls back to the TCP log format outside mode http', () => {
    const r = load('frontend fe\n  bind :80\n  timeout client 1s\n  log stdout local0\n  option httplog\n');
    const fe = r.model.proxies[0];
    assert.equal(fe?.logFormat?.origin, 'tcplog');
    assert.ok(fe?.logFormat?.parsed !== undefined);
    assert.deepEqual(r.warnings, ["parsing [t.cfg:5] : 'option httplog' not usable with frontend 'fe' (needs 'mode http'). Falling back to 'option tcplog'."]);
  });

  it('parses balance hash expressions', () => {
    const r = load(`backend be\n  mode http\n${TIMEOUTS}  balance hash req.hdr(host)\n  server s 127.0.0.1:80\n`);
    assert.equal(r.model.proxies[0]?.balance?.expression?.fetchName, 'req.hdr');
  });

  it('only wants connect and server timeouts from backends that have servers', () => {
    assert.deepEqual(load('backend be\n').warnings, []);
    assert.deepEqual(load('backend be\n  timeout connect 1s\n  timeout tunnel 1h\n  server s 127.0.0.1:80\n').warnings, []);
    assert.match(load('backend be\n  mode http\n  timeout connect 1s\n  timeout tunnel 1h\n  server s 127.0.0.1:80\n').warnings[0] ?? '', /^missing timeouts for backend 'be'\./);
  });
});

describe('helpers for the rule parsers', () => {
  it('parseRuleCondition wraps the condition parser with the proxy ACLs', () => {
    const model = createModel(['t.cfg']);
    const ctx = createLineContext(model, { get: () => undefined });
    ctx.place = { file: 't.cfg', line: 7 };
    const p = createProxy('frontend', 'fe', ctx.place);
    const ok = parseRuleCondition(ctx, p, ['x', 'if', 'TRUE'], 1, 'http-request');
    assert.equal(ok.ok && ok.cond?.polarity, 'if');
    const none = parseRuleCondition(ctx, p, ['x'], 1, 'http-request');
    assert.deepEqual(none, { ok: true, cond: undefined });
    const bad = parseRuleCondition(ctx, p, ['x', 'unless', 'nope'], 1, 'http-request', "error detected while parsing an 'http-request x' condition");
    assert.equal(bad.ok, false);
    assert.equal(ctx.diag.list[0]?.message, "error detected while parsing an 'http-request x' condition : no such ACL : 'nope'.");
  });

  it('warnIfMisplaced names the first later step that has rules', () => {
    const model = createModel(['t.cfg']);
    const ctx = createLineContext(model, { get: () => undefined });
    const p = createProxy('listen', 'li', { file: 't.cfg', line: 1 });
    p.useBackends.push({ place: ctx.place, name: 'x' });
    warnIfMisplaced(ctx, p, 'tcp-request', 'tcp-request content');
    warnIfMisplaced(ctx, p, 'use_backend', 'use_backend');
    assert.deepEqual(ctx.diag.list.map((d) => d.message), ["a 'tcp-request' rule placed after a 'use_backend' rule will still be processed before."]);
  });
});
