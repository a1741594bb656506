/**
 * Differential: what passes down `track` chains besides UP and DOWN, and
 * `option log-health-checks`, printed by haproxy 2.6 -db and by Switchyard
 * for the same configuration, both proxies checking the same origins whose
 * answers the test switches:
 *   - an agent saying `maint`, `ready`, `drain`, `ready`: "is going DOWN for
 *     maintenance via", "(leaving maintenance)", "enters drain state via",
 *     "(leaving forced drain)", newest tracker first, chains included;
 *   - `http-check disable-on-404`: "is stopping via";
 *   - `option log-health-checks`: the "Health check for ..." lines, and the
 *     server lines without the check's reason.
 * Lines are compared with the pid and the check durations masked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, type RunningProxy } from '../../helpers/processes.js';
import { bothProxies, listenOn, runtimeLines as lines, sleep, waitFor } from '../../helpers/side-by-side.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** A listener on a fixed port answering each connection with `answer()` (after its first bytes with `waitRequest`) then closing. */
async function answering(port: number, answer: () => string, waitRequest: boolean): Promise<() => Promise<void>> {
  const l = await listenOn(port, (s) => {
    if (waitRequest) s.once('data', () => s.end(answer()));
    else s.end(answer());
  });
  return l.close;
}

/** Runs `steps`: each sets the origins' answer, then waits until both proxies printed `n` lines in total. */
async function drive(ps: RunningProxy[], steps: Array<[() => void, number]>): Promise<void> {
  for (const [act, n] of steps) {
    act();
    const ok = await waitFor(() => ps.every((p) => lines(p).length >= n), 4000);
    assert.ok(ok, `waiting for ${n} lines\n${ps.map((p) => p.output()).join('\n----\n')}`);
  }
  await sleep(150);
}

describe('track propagation and log-health-checks against haproxy', { skip }, () => {
  it('agent maint / ready / drain / ready pass down track chains', { timeout: 15_000 }, async () => {
    const web = await freePort();
    const agentPort = await freePort();
    let word = 'up';
    const closeWeb = await answering(web, () => '', false);
    const closeAgent = await answering(agentPort, () => `${word}\n`, false);
    const config = `
global
  nbthread 1
defaults
  mode tcp
  timeout connect 200ms
  timeout client 2s
  timeout server 2s
  timeout check 1s
listen fe
  bind \${ADDR:fe}
  server s1 127.0.0.1:${web} check inter 100ms agent-check agent-port ${agentPort} agent-inter 100ms
  server s2 127.0.0.1:${web} track s1
  server s3 127.0.0.1:${web} track s2 backup
backend be2
  server t1 127.0.0.1:${web} track fe/s1
`;
    const [h, s] = await bothProxies(config);
    try {
      await sleep(300);
      await drive([h, s], [
        [() => (word = 'maint'), 6],
        [() => (word = 'ready'), 10],
        [() => (word = 'drain'), 16],
        [() => (word = 'ready'), 20],
      ]);
      assert.deepEqual(lines(s), lines(h));
      assert.deepEqual(lines(h).slice(0, 2), [
        '[WARNING]  (pid) : Server fe/s1 is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
        '[WARNING]  (pid) : Server be2/t1 is going DOWN for maintenance via fe/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      ]);
    } finally {
      await h.stop();
      await s.stop();
      await closeWeb();
      await closeAgent();
    }
  });

  it('a tracker already DOWN "was DOWN and now enters maintenance via"', { timeout: 15_000 }, async () => {
    const dead = await freePort();
    const agentPort = await freePort();
    let word = 'up';
    const closeAgent = await answering(agentPort, () => `${word}\n`, false);
    const config = `
global
  nbthread 1
defaults
  mode tcp
  timeout connect 200ms
  timeout client 2s
  timeout server 2s
  timeout check 1s
listen fe
  bind \${ADDR:fe}
  server s1 127.0.0.1:${dead} check inter 100ms agent-check agent-port ${agentPort} agent-inter 100ms
  server s2 127.0.0.1:${dead} track s1
`;
    const [h, s] = await bothProxies(config);
    try {
      await drive([h, s], [[() => undefined, 3], [() => (word = 'maint'), 5], [() => (word = 'ready'), 7]]);
      const got = lines(s).slice(0, 7);
      assert.deepEqual(got, lines(h).slice(0, 7));
      assert.equal(got[4], '[WARNING]  (pid) : Server fe/s2 was DOWN and now enters maintenance via fe/s1.');
    } finally {
      await h.stop();
      await s.stop();
      await closeAgent();
    }
  });

  it('disable-on-404: "is stopping via", then UP via and DOWN via', { timeout: 15_000 }, async () => {
    const web = await freePort();
    let status = '200';
    const closeWeb = await answering(web, () => `HTTP/1.0 ${status} X\r\nContent-Length: 0\r\n\r\n`, true);
    const config = `
global
  nbthread 1
defaults
  mode http
  timeout connect 200ms
  timeout client 2s
  timeout server 2s
  timeout check 1s
backend be
  option httpchk
  http-check disable-on-404
  server s1 127.0.0.1:${web} check inter 100ms fall 1 rise 1
  server s2 127.0.0.1:${web} track s1
  server s3 127.0.0.1:${web} track s2
frontend fe
  bind \${ADDR:fe}
  default_backend be
`;
    const [h, s] = await bothProxies(config);
    try {
      await sleep(200);
      await drive([h, s], [
        [() => (status = '404'), 4],
        [() => (status = '200'), 7],
        [() => (status = '404'), 11],
        [() => (status = '500'), 14],
      ]);
      assert.deepEqual(lines(s), lines(h));
      assert.equal(lines(h)[1], '[WARNING]  (pid) : Server be/s2 is stopping via be/s1. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.');
    } finally {
      await h.stop();
      await s.stop();
      await closeWeb();
    }
  });

  it('option log-health-checks: check lines, server lines without the reason', { timeout: 15_000 }, async () => {
    const web = await freePort();
    const dead = await freePort();
    let status = '200';
    const closeWeb = await answering(web, () => `HTTP/1.0 ${status} Service Unavailable\r\nContent-Length: 0\r\n\r\n`, true);
    const steady = await freePort();
    const closeSteady = await answering(steady, () => 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', true);
    const config = `
global
  nbthread 1
defaults
  mode http
  timeout connect 200ms
  timeout client 2s
  timeout server 2s
  timeout check 1s
  option log-health-checks
backend be
  option httpchk
  http-check disable-on-404
  server s1 127.0.0.1:${web} check inter 100ms fall 2 rise 2
  server s2 127.0.0.1:${dead} check inter 100ms backup
  server s3 127.0.0.1:${steady} check inter 100ms weight 0
frontend fe
  bind \${ADDR:fe}
  default_backend be
`;
    const [h, s] = await bothProxies(config);
    const of = (p: RunningProxy, srv: string): string[] => lines(p).filter((l) => l.includes(`be/${srv} `));
    try {
      // s1 2/2 UP, s2 failed + DOWN, s3 3/3 DRAIN
      await drive([h, s], [
        [() => undefined, 4],
        [() => (status = '404'), 7],
        [() => (status = '503'), 10],
        [() => (status = '200'), 13],
      ]);
      for (const srv of ['s1', 's2', 's3']) assert.deepEqual(of(s, srv), of(h, srv), srv);
      assert.deepEqual(of(h, 's2'), [
        '[WARNING]  (pid) : Health check for backup server be/s2 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: <N>ms, status: 0/2 DOWN.',
        '[WARNING]  (pid) : Backup Server be/s2 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      ]);
      assert.ok(of(h, 's1').includes('[WARNING]  (pid) : Health check for server be/s1 conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, check duration: <N>ms, status: 2/2 UP.'));
    } finally {
      await h.stop();
      await s.stop();
      await closeWeb();
      await closeSteady();
    }
  });
});
