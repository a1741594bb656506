/**
 * Server runtime features without traffic: slowstart arithmetic, the dynamic
 * maxconn, fullconn defaults, track wiring, unresolved template servers,
 * redirect locations and the passive health monitor. Expected numbers come
 * from haproxy 2.6 (its `slim` stat for fullconn, its lines for transitions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../helpers/load-config.js';
import { buildTestRuntime, serverOf } from '../../helpers/runtime-fixtures.js';
import { buildRuntime } from '../../../src/proxy/runtime.js';
import { computeFullconn } from '../../../src/server/server-runtime.js';
import { HealthObserver, observedStatus } from '../../../src/server/server-observe.js';
import { redirectLocation, requestPath } from '../../../src/server/server-redirect.js';
import { ServerHealth } from '../../../src/server/checks/server-health.js';
import { Observed } from '../../../src/server/server.js';


const HEAD = `defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n`;

test('slowstart: weight uweight * (16 * elapsed + ss) / ss per whole second, then full (server_recalc_eweight)', () => {
  const { runtime } = buildTestRuntime(`${HEAD}backend be\n  server s1 127.0.0.1:1 weight 10 slowstart 10s\n  server s2 127.0.0.1:1 weight 10\n`);
  const s = serverOf(runtime, 'be', 's1');
  assert.equal(s.slowstart, 10);
  assert.equal(s.eweight, 160, 'no slowstart at startup');
  s.setOperational(false);
  s.setOperational(true);
  assert.ok(s.starting);
  assert.equal(s.eweight, 10, 'first step right after coming back: the user weight, 1/16 of full');
  const t0 = Math.floor(s.counters.lastChange / 1000) * 1000;
  assert.equal(s.targetEweight(t0 + 1000), 10 * Math.trunc((16 + 10) / 10));
  assert.equal(s.targetEweight(t0 + 5000), 10 * Math.trunc((80 + 10) / 10));
  assert.equal(s.targetEweight(t0 + 9999), 10 * Math.trunc((144 + 10) / 10));
  assert.equal(s.targetEweight(t0 + 10000), 160, 'full weight once slowstart has passed');
  assert.equal(s.starting, false);
  s.setOperational(false);
});

test('slowstart: rounds up to whole seconds and does not ramp the weight of static algorithms', () => {
  const { runtime } = buildTestRuntime(`${HEAD}backend be\n  balance static-rr\n  server s1 127.0.0.1:1 weight 4 slowstart 1500ms maxconn 100\n`);
  const s = serverOf(runtime, 'be', 's1');
  assert.equal(s.slowstart, 2);
  s.setOperational(false);
  s.setOperational(true);
  assert.equal(s.eweight, 64, 'static-rr: no BE_LB_PROP_DYN, full weight');
  const t0 = Math.floor(s.counters.lastChange / 1000) * 1000;
  // srv_dynamic_maxconn(): the maxconn ramps whatever the algorithm: max(1, max * ratio / 100)
  assert.equal(s.dynamicMaxconn(t0), 1);
  assert.equal(s.dynamicMaxconn(t0 + 1000), 50);
  assert.equal(s.dynamicMaxconn(t0 + 2000), 100);
  s.setOperational(false);
});

test('minconn/fullconn: max(minconn, beconn * maxconn / fullconn), static without minconn', () => {
  const { runtime } = buildTestRuntime(`${HEAD}backend be\n  fullconn 100\n  server s1 127.0.0.1:1 minconn 10 maxconn 50\n  server s2 127.0.0.1:1 maxconn 7\n  server s3 127.0.0.1:1 minconn 9\n`);
  const be = runtime.backends.get('be')!;
  const s1 = serverOf(runtime, 'be', 's1');
  be.counters.curConns = 0;
  assert.equal(s1.dynamicMaxconn(), 10);
  be.counters.curConns = 40;
  assert.equal(s1.dynamicMaxconn(), 20);
  be.counters.curConns = 100;
  assert.equal(s1.dynamicMaxconn(), 50);
  assert.equal(serverOf(runtime, 'be', 's2').dynamicMaxconn(), 7);
  const s3 = serverOf(runtime, 'be', 's3');
  assert.equal(s3.maxconn, 9, 'minconn above maxconn becomes maxconn (cfgparse.c)');
});

test('fullconn default: 10% of the maxconn of the frontends that may use the backend (haproxy slim)', () => {
  const { model } = loadConfigText(`global
  maxconn 500
defaults
  mode tcp
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend f1
  bind 127.0.0.1:65001
  maxconn 300
  default_backend b1
frontend f2
  bind 127.0.0.1:65001
  use_backend b1 if { src 1.2.3.4 }
  use_backend b2
frontend f3
  bind 127.0.0.1:65001
  maxconn 45
  default_backend b3
listen l1
  bind 127.0.0.1:65001
  maxconn 77
  server s 127.0.0.1:1
backend b1
  server s 127.0.0.1:1
backend b2
  server s 127.0.0.1:1
backend b3
  server s 127.0.0.1:1
backend b4
  fullconn 33
  server s 127.0.0.1:1
backend b5
  server s 127.0.0.1:1
`);
  const { runtime } = buildRuntime(model, { reporter: { report: () => undefined } });
  const full = computeFullconn(runtime);
  const by = (n: string): number | undefined => full.get(runtime.backends.get(n)!);
  // haproxy 2.6 `show stat` slim of each backend for this configuration: 80, 50, 5, 8, 1.
  assert.deepEqual([by('b1'), by('b2'), by('b3'), by('l1'), by('b4'), by('b5')], [80, 50, 5, 8, 33, 1]);
});

test('track: trackers newest first, chains, and the "via" lines in haproxy order', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}listen fe
  bind 127.0.0.1:65001
  server s1 127.0.0.1:1 check
  server s2 127.0.0.1:1 track s1
  server s3 127.0.0.1:1 track fe/s2 backup
backend be2
  server t1 127.0.0.1:1 track fe/s1
`);
  const s1 = serverOf(runtime, 'fe', 's1');
  assert.deepEqual(s1.trackers.map((s) => s.fullName), ['be2/t1', 'fe/s2']);
  const h = new ServerHealth(s1, runtime.reporter);
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  assert.deepEqual(lines, [
    'warning: Server fe/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'warning: Server be2/t1 is DOWN via fe/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    "alert: backend 'be2' has no server available!",
    'warning: Server fe/s2 is DOWN via fe/s1. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'warning: Backup Server fe/s3 is DOWN via fe/s2. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    "alert: proxy 'fe' has no server available!",
  ]);
  lines.length = 0;
  h.apply('check', { status: 'L4OK', desc: '', code: 0 }, 0);
  h.apply('check', { status: 'L4OK', desc: '', code: 0 }, 0);
  assert.deepEqual(lines, [
    'warning: Server fe/s1 is UP, reason: Layer4 check passed, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'warning: Server be2/t1 is UP via fe/s1. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'warning: Server fe/s2 is UP via fe/s1. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'warning: Backup Server fe/s3 is UP via fe/s2. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
});

test('on-marked-down shutdown-sessions and on-marked-up shutdown-backup-sessions kill the registered streams', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be
  server s1 127.0.0.1:1 check fall 1 rise 1 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions
  server b1 127.0.0.1:1 backup
`);
  const s1 = serverOf(runtime, 'be', 's1');
  const b1 = serverOf(runtime, 'be', 'b1');
  const killed: string[] = [];
  const sess = (name: string): { kill(): void } => ({ kill: () => killed.push(name) });
  const a = sess('a');
  s1.take(a);
  s1.take(sess('b'));
  const h = new ServerHealth(s1, runtime.reporter);
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  assert.match(lines[0] ?? '', /2 sessions active/, 'the count is taken before the shutdown');
  assert.deepEqual(killed.sort(), ['a', 'b']);
  s1.drop(a);
  b1.take(sess('backup'));
  killed.length = 0;
  h.apply('check', { status: 'L4OK', desc: '', code: 0 }, 0);
  assert.deepEqual(killed, ['backup']);
});

test('server-template: resolved names get addresses, unresolved ones with init-addr none start in maintenance', () => {
  const { runtime } = buildTestRuntime(`${HEAD}backend be
  server-template web 2 localhost:8080
  server-template nx 2-3 nonexistent.invalid:80 init-addr none
`);
  const be = runtime.backends.get('be')!;
  assert.deepEqual(be.servers.map((s) => `${s.name}:${s.state}`), ['web1:UP', 'web2:UP', 'nx2:MAINT', 'nx3:MAINT']);
  assert.equal(serverOf(runtime, 'be', 'web2').address.port, 8080);
  assert.equal(be.activeCount, 2);
});

test('redir: the Location keeps the path from its first slash; no path, no redirect', () => {
  assert.equal(requestPath('/a/b?x=1'), '/a/b?x=1');
  assert.equal(requestPath('http://foo.com/a?b'), '/a?b');
  assert.equal(requestPath('http://foo.com'), undefined);
  assert.equal(requestPath('*'), undefined);
  assert.equal(redirectLocation('http://img.example.com', '/a/b?x=1'), 'http://img.example.com/a/b?x=1');
  assert.equal(redirectLocation('/', '/a'), '/a', '"/" alone keeps the URL');
});

test('observe: valid statuses 100-499, 501, 505; the limit triggers the on-error action', () => {
  assert.equal(observedStatus(200), Observed.HTTP_OK);
  assert.equal(observedStatus(404), Observed.HTTP_OK);
  assert.equal(observedStatus(501), Observed.HTTP_OK);
  assert.equal(observedStatus(505), Observed.HTTP_OK);
  assert.equal(observedStatus(500), Observed.HTTP_STS);
  assert.equal(observedStatus(503), Observed.HTTP_STS);
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be
  server s1 127.0.0.1:1 check observe layer7 error-limit 2 on-error mark-down
  server s2 127.0.0.1:1 check
`);
  const s1 = serverOf(runtime, 'be', 's1');
  const obs = new HealthObserver(s1, new ServerHealth(s1, runtime.reporter), undefined, undefined);
  obs.observe(Observed.HTTP_STS);
  obs.observe(Observed.L4_OK); // ignored in layer7
  obs.observe(Observed.HTTP_OK); // resets
  obs.observe(Observed.HTTP_STS);
  assert.equal(s1.operational, 'UP');
  obs.observe(Observed.HTTP_STS);
  assert.equal(s1.operational, 'DOWN');
  assert.deepEqual(lines, [
    'warning: Server be/s1 is DOWN, reason: Health analyze, info: "Detected 2 consecutive errors, last one was: Wrong http response". 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
  ]);
  assert.equal(obs.failedHana, 1);
});

test('observe layer4 sudden-death: one more failed check takes the server down', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be
  server s1 127.0.0.1:1 check rise 2 fall 3 observe layer4 error-limit 1 on-error sudden-death
`);
  const s1 = serverOf(runtime, 'be', 's1');
  const h = new ServerHealth(s1, runtime.reporter);
  const obs = new HealthObserver(s1, h, undefined, undefined);
  // a server starts at health `rise`; two passed checks bring it to rise + fall - 1
  h.apply('check', { status: 'L4OK', desc: '', code: 0 }, 0);
  h.apply('check', { status: 'L4OK', desc: '', code: 0 }, 0);
  obs.observe(Observed.HTTP_STS); // ignored in layer4
  assert.equal(h.check.health, 4);
  obs.observe(Observed.L4_ERR);
  assert.equal(h.check.health, 2, 'health set to rise + 1, then one failure');
  assert.equal(s1.operational, 'UP');
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  assert.equal(s1.operational, 'DOWN');
  assert.match(lines[0] ?? '', /is DOWN, reason: Layer4 connection problem/);
  assert.deepEqual(lines.slice(1), ["alert: backend 'be' has no server available!"]);
});
