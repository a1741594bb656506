/**
 * The proxy sections: headers, names, what a proxy copies from its defaults
 * section, named defaults with rules, and haproxy's parser stops.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './proxy-driver.js';
import { findBackend } from '../../../src/config/model/index.js';

function proxy(r: ReturnType<typeof load>, name: string) {
  const p = r.model.proxies.find((x) => x.name === name);
  assert.ok(p, `proxy ${name} exists`);
  return p;
}

describe('proxy section headers', () => {
  it('creates the proxies in order with their sides', () => {
    const r = load('defaults d\nfrontend fe\nbackend be\nlisten li\n');
    assert.deepEqual(r.model.proxies.map((p) => [p.kind, p.name, p.place.line]), [['frontend', 'fe', 2], ['backend', 'be', 3], ['listen', 'li', 4]]);
    assert.deepEqual(r.model.defaults.map((d) => d.name), ['d']);
    const li = proxy(r, 'li');
    assert.deepEqual(li.cap, { frontend: true, backend: true, defaults: false });
    assert.equal(proxy(r, 'fe').from, 'd');
  });

  it('stops reading at a proxy without a name, as haproxy does', () => {
    const r = load('frontend\nbackend be\n  foo\n');
    assert.deepEqual(r.alerts, ["parsing [t.cfg:1] : 'frontend' expects an <id> argument"]);
    assert.equal(r.model.proxies.length, 0);
  });

  it('creates no proxy for the old "listen <name> <address>" syntax', () => {
    const r = load('frontend fe :80\n  mode http\n');
    assert.deepEqual(r.softAlerts, ["parsing [t.cfg:1] : please use the 'bind' keyword for listening addresses."]);
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : 'listen' or 'defaults' expected."]);
    assert.equal(r.model.proxies.length, 0);
  });

  it('lets a frontend and a backend share a name, not two frontends', () => {
    const ok = load('frontend x\nbackend x\n');
    assert.equal(ok.failed, false);
    assert.equal(findBackend(ok.model, 'x')?.kind, 'backend');
    const dup = load('frontend x\nlisten x\n');
    assert.deepEqual(dup.alerts, ["Parsing [t.cfg:2]: proxy 'x' has the same name as frontend 'x' declared at t.cfg:1."]);
  });

  it('reports a missing or ambiguous defaults section', () => {
    assert.deepEqual(load('frontend fe from nope\n').alerts, ["parsing [t.cfg:1] : defaults section 'nope' not found for frontend 'fe'."]);
    assert.deepEqual(load('defaults d\ndefaults d\nbackend be from d\n').alerts, [
      "parsing [t.cfg:3] : ambiguous defaults section name 'd' referenced by backend 'be' exists at least at t.cfg:1 and t.cfg:2.",
    ]);
  });

  it('warns (as a non-fatal alert) when a defaults section is used both explicitly and implicitly', () => {
    const r = load('defaults d\nbackend a from d\nbackend b\n');
    assert.equal(r.failed, false);
    assert.match(r.softAlerts[0] ?? '', /^parsing \[t\.cfg:3\] : defaults section 'd' \(declared at t\.cfg:1\) is explicitly referenced/);
  });
});

describe('inheritance from defaults sections', () => {
  const text = [
    'defaults base',
    '  mode http',
    '  timeout client 5s',
    '  timeout connect 1s',
    '  timeout server 2s',
    '  option httplog',
    '  option redispatch',
    '  maxconn 100',
    '  retries 5',
    '  balance leastconn',
    'frontend fe',
    'backend be',
    'defaults',
    'frontend fe2',
    '',
  ].join('\n');
  const r = load(text);

  it('copies frontend settings into frontends and backend settings into backends', () => {
    const fe = proxy(r, 'fe');
    const be = proxy(r, 'be');
    assert.equal(fe.mode, 'http');
    assert.equal(fe.timeouts.client, 5000);
    assert.equal(fe.timeouts.connect, undefined);
    assert.equal(fe.maxconn, 100);
    assert.equal(fe.logFormat?.origin, 'httplog');
    assert.equal(be.timeouts.server, 2000);
    assert.equal(be.timeouts.client, undefined);
    assert.equal(be.retries, 5);
    assert.equal(be.balance?.algorithm, 'leastconn');
    // cfgparse-listen.c copies log formats to proxies with a frontend side only.
    assert.equal(be.logFormat, undefined);
    assert.equal(be.options.get('redispatch'), true);
  });

  it('starts again from the built-in defaults after a new defaults section', () => {
    const fe2 = proxy(r, 'fe2');
    assert.equal(fe2.mode, 'tcp');
    assert.equal(fe2.timeouts.client, undefined);
    assert.equal(fe2.from, '');
  });

  it('references the rules of a named defaults section instead of copying them', () => {
    const m = load('defaults d\n  mode http\n  http-request deny\nfrontend fe from d\n  bind :80\n').model;
    const fe = m.proxies[0];
    assert.equal(fe?.rules.httpRequest.length, 0);
    assert.equal(fe?.defaultsRules?.httpRequest.length, 1);
  });

  it('refuses to build a backend and a frontend from the same defaults section with rules', () => {
    const r2 = load('defaults d\n  http-request deny\nfrontend fe from d\nbackend be from d\nbackend after\n');
    assert.deepEqual(r2.alerts, [
      'parsing [t.cfg:4]: frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1).',
    ]);
    // ERR_ABORT: nothing after it is read.
    assert.equal(r2.model.proxies.some((p) => p.name === 'after'), false);
  });

  it('does not let a proxy see the ACLs of its defaults section', () => {
    const r3 = load('defaults d\n  acl a src 10.0.0.0/8\nfrontend fe from d\n  use_backend x if a\n');
    assert.deepEqual(r3.alerts, ["parsing [t.cfg:4] : error detected while parsing switching rule : no such ACL : 'a'."]);
  });
});

describe('keyword modifiers', () => {
  it('applies "no option" and "default option"', () => {
    const r = load('defaults\n  option dontlognull\n  option httpclose\nfrontend fe\n  no option dontlognull\n  no option httpclose\n');
    const fe = proxy(r, 'fe');
    assert.equal(fe.options.get('dontlognull'), false);
    assert.equal(fe.httpConnectionMode, undefined);
  });

  it('refuses "no" before other keywords but still reads the line', () => {
    const r = load('frontend fe\n  no mode http\n');
    assert.deepEqual(r.alerts, [
      'parsing [t.cfg:2]: negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.',
    ]);
    assert.equal(proxy(r, 'fe').mode, 'http');
  });

  it('suggests the closest keyword', () => {
    assert.deepEqual(load('listen li\n  bnd :80\n').alerts, ["parsing [t.cfg:2] : unknown keyword 'bnd' in 'listen' section; did you mean 'bind' maybe ?"]);
  });
});
