/**
 * Without sockets: maintenance, drain and "stopping" passed down `track`
 * chains, trackers of a disabled server, and the `option log-health-checks`
 * lines. The expected lines were printed by haproxy 2.6 -db for the same
 * configurations (see test/compat/server/admin-propagation.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestRuntime, serverOf } from '../../helpers/runtime-fixtures.js';
import type { Runtime } from '../../../src/proxy/runtime.js';
import { HealthCheck } from '../../../src/server/checks/health-check.js';
import type { ServerHealth } from '../../../src/server/checks/server-health.js';
import type { Server } from '../../../src/server/server.js';


function health(rt: Runtime, s: Server): ServerHealth {
  for (const c of rt.checks) if (c instanceof HealthCheck && c.health.server === s) return c.health;
  assert.fail(`no checks on ${s.fullName}`);
}

const HEAD = `defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n`;
const CHAIN = `${HEAD}listen fe
  bind 127.0.0.1:8080
  server s1 127.0.0.1:1 check agent-check agent-port 2
  server s2 127.0.0.1:1 track s1
  server s3 127.0.0.1:1 track s2 backup
backend be2
  server t1 127.0.0.1:1 track fe/s1
`;

test('agent maint goes down the track chains, newest tracker first; ready brings them back', () => {
  const { runtime, lines } = buildTestRuntime(CHAIN);
  const h = health(runtime, serverOf(runtime, 'fe', 's1'));
  h.setMaint();
  assert.deepEqual(lines, [
    'warning: Server fe/s1 is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'warning: Server be2/t1 is going DOWN for maintenance via fe/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    "alert: backend 'be2' has no server available!",
    'warning: Server fe/s2 is going DOWN for maintenance via fe/s1. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'warning: Backup Server fe/s3 is going DOWN for maintenance via fe/s2. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    "alert: proxy 'fe' has no server available!",
  ]);
  for (const n of ['s2', 's3']) assert.equal(serverOf(runtime, 'fe', n).state, 'MAINT');
  lines.length = 0;
  h.setReady();
  assert.deepEqual(lines, [
    'warning: Server fe/s1 is UP/READY (leaving forced maintenance).',
    'warning: Server be2/t1 is UP/READY (leaving maintenance).',
    'warning: Server fe/s2 is UP/READY (leaving maintenance).',
    'warning: Backup Server fe/s3 is UP/READY (leaving maintenance).',
  ]);
  for (const n of ['s2', 's3']) assert.equal(serverOf(runtime, 'fe', n).usable, true);
});

test('agent drain goes down the track chains with a zero weight; ready restores it', () => {
  const { runtime, lines } = buildTestRuntime(CHAIN);
  const h = health(runtime, serverOf(runtime, 'fe', 's1'));
  h.setDrain();
  assert.equal(lines[1], 'warning: Server be2/t1 enters drain state via fe/s1. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.');
  assert.equal(serverOf(runtime, 'fe', 's2').eweight, 0);
  assert.equal(serverOf(runtime, 'fe', 's2').state, 'UP');
  lines.length = 0;
  h.setReady();
  assert.deepEqual(lines, [
    'warning: Server fe/s1 is UP (leaving forced drain).',
    'warning: Server be2/t1 is UP (leaving forced drain).',
    'warning: Server fe/s2 is UP (leaving forced drain).',
    'warning: Backup Server fe/s3 is UP (leaving forced drain).',
  ]);
  assert.equal(serverOf(runtime, 'fe', 's2').eweight, 16);
});

test('a tracker already DOWN "was DOWN and now enters maintenance via"', () => {
  const { runtime, lines } = buildTestRuntime(CHAIN);
  const h = health(runtime, serverOf(runtime, 'fe', 's1'));
  h.apply('check', { status: 'L4CON', desc: 'Connection refused', code: 0 }, 0);
  lines.length = 0;
  h.setMaint();
  assert.deepEqual(lines.slice(0, 3), [
    'warning: Server fe/s1 was DOWN and now enters maintenance.',
    'warning: Server be2/t1 was DOWN and now enters maintenance via fe/s1.',
    'warning: Server fe/s2 was DOWN and now enters maintenance via fe/s1.',
  ]);
});

test('disable-on-404: trackers are "stopping via" with a zero weight, then UP via', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be\n  mode http\n  option httpchk\n  http-check disable-on-404\n  server s1 127.0.0.1:1 check fall 1 rise 1\n  server s2 127.0.0.1:1 track s1\n  server s3 127.0.0.1:1 track s2\n`);
  const h = health(runtime, serverOf(runtime, 'be', 's1'));
  h.apply('check', { status: 'L7OKC', desc: '', code: 404 }, 2);
  assert.deepEqual(lines, [
    'warning: Server be/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: 2ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'warning: Server be/s2 is stopping via be/s1. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'warning: Server be/s3 is stopping via be/s2. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    "alert: backend 'be' has no server available!",
  ]);
  lines.length = 0;
  h.apply('check', { status: 'L7OK', desc: 'OK', code: 200 }, 0);
  assert.equal(lines[2], 'warning: Server be/s3 is UP via be/s2. 3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.');
  assert.equal(serverOf(runtime, 'be', 's3').usable, true);
});

test('a tracker of a disabled server starts in maintenance, silently', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be\n  server d1 127.0.0.1:1 disabled check\n  server d2 127.0.0.1:1 track d1\n  server d3 127.0.0.1:1 track d2\n`);
  assert.deepEqual(lines, []);
  assert.equal(serverOf(runtime, 'be', 'd2').state, 'MAINT');
  assert.equal(serverOf(runtime, 'be', 'd3').state, 'MAINT');
});

test('log-health-checks: one line per status change or health move, no reason on the server line', () => {
  const { runtime, lines } = buildTestRuntime(`${HEAD}backend be\n  option log-health-checks\n  server s1 127.0.0.1:1 check fall 3 rise 2\n  server s2 127.0.0.1:1 check backup weight 0\n`);
  const s1 = health(runtime, serverOf(runtime, 'be', 's1'));
  const s2 = health(runtime, serverOf(runtime, 'be', 's2'));
  const ok = { status: 'L4OK', desc: '', code: 0 } as const;
  const refused = { status: 'L4CON', desc: 'Connection refused', code: 0 } as const;
  s1.apply('check', ok, 0);
  s1.apply('check', ok, 0); // nothing moved: no line
  s2.apply('check', ok, 1);
  s1.apply('check', refused, 0);
  s1.apply('check', refused, 0);
  s1.apply('check', refused, 0);
  s1.apply('check', ok, 0);
  assert.deepEqual(lines, [
    'warning: Health check for server be/s1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.',
    'warning: Health check for backup server be/s2 succeeded, reason: Layer4 check passed, check duration: 1ms, status: 3/3 DRAIN.',
    'warning: Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 2/3 UP.',
    'warning: Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 1/3 UP.',
    'warning: Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN.',
    'warning: Server be/s1 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    "alert: backend 'be' has no server available!",
    'warning: Health check for server be/s1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 1/2 DOWN.',
  ]);
});
