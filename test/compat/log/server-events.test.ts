/**
 * Server state changes and `option log-health-checks` lines go to the log
 * targets of their backend, as haproxy 2.6 sends them (send_log() next to
 * the stderr line): same text, same syslog level (notice for check lines,
 * alert for DOWN, emerg for "has no server available!", which the log
 * writes without quotes), tracked servers included; a backend without
 * `log` lines sends nothing. Compared line for line over UDP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { logLines, maskLine } from './log-helpers.js';
import { proxyEventOf } from '../../../src/log/proxy-events.js';

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
backend be
  log global
  option log-health-checks
  server s1 127.0.0.1:\${DEAD} check inter 100 fall 1 rise 1
backend be2
  log global
  server t1 127.0.0.1:\${DEAD} track be/s1
backend quiet
  server q1 127.0.0.1:\${DEAD} check inter 100 fall 1 rise 1
frontend fe
  bind \${ADDR:fe}
  default_backend be
`;

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const mask = (l: string): string => maskLine(l).replace(/check duration: \d+ms/, 'check duration: Nms');

test('server DOWN, health-check and no-server lines reach the backend log targets as with haproxy', async () => {
  const dead = String(await deadPort());
  const scenario = async (): Promise<void> => {
    await new Promise((r) => setTimeout(r, 600));
  };
  const h = (await logLines('haproxy', CONFIG, scenario, { DEAD: dead })).lines.map(mask);
  const s = (await logLines('switchyard', CONFIG, scenario, { DEAD: dead })).lines.map(mask);
  assert.equal(h.length, 5, JSON.stringify(h, null, 1));
  assert.deepEqual(s, h);
  assert.match(h[0]!, /^<133>DATE haproxy\[PID\]: Health check for server be\/s1 failed, reason: Layer4 connection problem/);
  assert.match(h[1]!, /^<129>DATE haproxy\[PID\]: Server be\/s1 is DOWN\. /);
  assert.match(h[2]!, /^<128>DATE haproxy\[PID\]: backend be has no server available!\n$/);
});

test('event routing: proxy and level of each runtime message', () => {
  assert.deepEqual(proxyEventOf('Backup Server be/s2 is UP. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.'),
    { proxy: 'be', level: 5, text: 'Backup Server be/s2 is UP. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.' });
  assert.equal(proxyEventOf('Server be2/t1 is DOWN via be/s1. 0 active and 0 backup servers left.')?.level, 1);
  assert.deepEqual(proxyEventOf("proxy 'lst' has no server available!"), { proxy: 'lst', level: 0, text: 'proxy lst has no server available!' });
  assert.equal(proxyEventOf('Agent check for server be/s1 failed')?.proxy, 'be');
  assert.equal(proxyEventOf('Proxy fe stopped (cumulated conns: FE: 1, BE: 0).')?.level, 4);
  assert.equal(proxyEventOf('Binding [a.cfg:3] for frontend fe: cannot bind'), undefined);
});
