/**
 * Soak: balancing under load while a server goes down and comes back.
 * Four echo servers checked every 100 ms (`check inter 100 fall 2 rise 2`),
 * `retries 3`, `option redispatch`; clients run for ~2.5 s while the
 * second server's listener closes (its connections are cut) and reopens.
 * For `balance roundrobin|leastconn|source|first` (first with `maxconn`
 * so that it spills over), on the raw and the net.Socket paths: no client
 * hangs, cut connections are the only failures, the server's state lines
 * alternate DOWN/UP and end UP, and the counters end idle.
 *
 * A second part runs the same load in process (src/proxy/runtime.ts built
 * from the same text) to read what the SIGHUP dump does not show: the
 * balance algorithm's own state (src/lb/server-heap.ts positions, leastconn
 * keys) back to idle values once the connections are gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertIdle, assertNoException, client, forDuration, launch, origin, payload, sha, sleep, stateChanges, tally,
  type DataPath, type Origin,
} from './tcp-kit.js';
import { loadConfigText } from '../../helpers/load-config.js';
import { start } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';

function config(balance: string, ports: number[], serverExtra: string): string {
  return [
    'global',
    '  maxconn 20000',
    'defaults',
    '  mode tcp',
    '  timeout client 2s',
    '  timeout server 2s',
    '  timeout connect 200ms',
    '  timeout queue 1s',
    'listen li',
    '  bind ${ADDR:li}',
    `  balance ${balance}`,
    '  retries 3',
    '  option redispatch',
    ...ports.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check inter 100 fall 2 rise 2${serverExtra}`),
    '',
  ].join('\n');
}

interface Outcome {
  ok: boolean;
  end: string;
  len: number;
}

/** Short echo exchanges for `ms` on `conc` workers; ok when the echo came back whole. */
function load(port: number, ms: number, conc: number): Promise<Outcome[]> {
  return forDuration(ms, conc, async (i) => {
    const d = payload(64 + (i % 1500));
    const r = await client(port, { send: d });
    return { ok: r.end === 'close' && sha(r.data) === sha(d), end: r.end === 'error' ? `error:${r.code}` : r.end, len: r.data.length };
  });
}

const ALGOS: Array<{ balance: string; extra: string; paths: DataPath[] }> = [
  { balance: 'roundrobin', extra: '', paths: ['raw', 'socket'] },
  { balance: 'leastconn', extra: '', paths: ['raw', 'socket'] },
  { balance: 'source', extra: '', paths: ['raw'] },
  { balance: 'first', extra: ' maxconn 8', paths: ['raw'] },
];

for (const a of ALGOS) {
  for (const path of a.paths) {
    test(`balance ${a.balance} (${path}): a server flaps under load; no hang, idle after, state lines alternate`, { timeout: 20000 }, async () => {
      const origins: Origin[] = [];
      for (let i = 0; i < 4; i++) origins.push(await origin('echo'));
      const p = await launch(config(a.balance, origins.map((o) => o.port), a.extra), path);
      try {
        const port = p.ports['li']!;
        // Let the first checks pass (spread over the first 100 ms).
        await sleep(250);
        const running = load(port, 2500, 24);
        await sleep(600);
        const s2 = origins[1]!;
        await s2.close();
        await sleep(700);
        origins[1] = await origin('echo', s2.port);
        const out = await running;
        const hung = out.filter((o) => o.end === 'timeout').length;
        assert.equal(hung, 0, `${hung} clients hung`);
        // Only the connections cut with s2 may fail (cut: closed with part of the echo at most).
        const failed = out.filter((o) => !o.ok);
        assert.ok(failed.length <= 3 * 24, `too many failures: ${JSON.stringify(tally(failed.map((f) => ({ data: Buffer.alloc(0), end: f.end === 'close' ? 'close' : 'error', code: f.end }))))} of ${out.length}`);
        assert.ok(out.length > 200, `only ${out.length} exchanges`);
        // Wait for s2 to be seen UP again (rise 2 × inter 100).
        const end = Date.now() + 3000;
        while ((stateChanges(p).get('li/s2') ?? []).at(-1) !== 'UP' && Date.now() < end) await sleep(50);
        const changes = stateChanges(p);
        const s2Changes = changes.get('li/s2') ?? [];
        assert.ok(s2Changes.length >= 2, `s2 state lines: ${JSON.stringify(s2Changes)}`);
        s2Changes.forEach((st, i) => assert.equal(st, i % 2 === 0 ? 'DOWN' : 'UP', `s2 state lines alternate: ${JSON.stringify(s2Changes)}`));
        for (const [name, l] of changes) if (name !== 'li/s2') assert.deepEqual(l, [], `${name} changed state`);
        const d = await assertIdle(p, 3000);
        for (const [name, s] of d.servers) assert.ok(s.up, `${name} is UP in the dump`);
        // Every server is used again: a fresh exchange still works.
        const fresh = await client(port, { send: Buffer.from('fresh') });
        assert.equal(fresh.data.toString(), 'fresh');
        assertNoException(p);
      } finally {
        await p.stop();
        for (const o of origins) await o.close();
      }
    });
  }
}

/** The algorithm-owned fields of the servers once idle: heap positions and keys. */
for (const balance of ['roundrobin', 'leastconn']) {
  test(`balance ${balance} in process: after load with a flapping server, the lb state is back to idle`, { timeout: 20000 }, async () => {
    const origins: Origin[] = [];
    for (let i = 0; i < 4; i++) origins.push(await origin('echo'));
    const r = loadConfigText(config(balance, origins.map((o) => o.port), ' maxconn 6').replace('${ADDR:li}', `127.0.0.1:${await freePort()}`));
    const p = r.alerts.length === 0 ? await start(r.model) : undefined;
    try {
      assert.deepEqual(r.alerts, []);
      if (p === undefined) return;
      const port = p.port('li');
      await sleep(250);
      const running = load(port, 1500, 30);
      await sleep(400);
      const s2 = origins[1]!;
      await s2.close();
      await sleep(500);
      origins[1] = await origin('echo', s2.port);
      const out = await running;
      assert.equal(out.filter((o) => o.end === 'timeout').length, 0);
      const be = p.runtime.backends.get('li')!;
      const end = Date.now() + 3000;
      while ((be.servers.some((s) => !s.usable) || p.runtime.streams.size > 0) && Date.now() < end) await sleep(50);
      assert.equal(p.runtime.streams.size, 0, 'streams left');
      assert.equal(be.queue.length, 0, 'backend queue');
      assert.equal(be.counters.curConns, 0, 'backend curConns');
      for (const s of be.servers) {
        assert.ok(s.usable, `${s.name} usable again`);
        assert.equal(s.served, 0, `${s.name} served`);
        assert.equal(s.queue.length, 0, `${s.name} queue`);
        assert.equal(s.sessions.size, 0, `${s.name} sessions`);
        assert.ok(s.lb.active, `${s.name} counted by the algorithm`);
        assert.ok(s.lb.heap >= 0, `${s.name} sits in a heap`);
        assert.equal(s.lb.weight, s.eweight, `${s.name} weight accounted`);
        // lb_fwlc.c: an idle server's key is 0.
        if (balance === 'leastconn') assert.equal(s.lb.key, 0, `${s.name} leastconn key`);
      }
      // The idle servers are picked in turn again.
      const seen = new Set<number>();
      for (let i = 0; i < 8; i++) {
        const x = await client(port, { send: Buffer.from('x') });
        assert.equal(x.data.toString(), 'x');
      }
      for (const o of origins) if (o.accepted > 0) seen.add(o.port);
      assert.equal(seen.size, 4, 'every server took connections');
      assert.deepEqual(p.reporter.lines.filter((l) => l.severity === 'alert'), []);
    } finally {
      await p?.stop();
      for (const o of origins) await o.close();
    }
  });
}
