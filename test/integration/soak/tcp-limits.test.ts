/**
 * Soak: connection limits under sustained overload. With `maxconn` reached,
 * accepted connections wait unread in the listener's FIFO
 * (src/net/listener.ts) until a slot frees. Under sustained overload that
 * FIFO never empties, and it only dropped its served head when it did: the
 * array grew by one entry per connection for as long as the overload lasted
 * (a leak of 8 bytes per connection, ~3,000 entries after 3 s here).
 *
 * In process, to see the listener's FIFO and the slot counters (bind,
 * frontend, global); on the raw accept path (plain `mode tcp`) and the
 * net.Socket one (a frontend with a content rule). Then, on the real
 * process, clients that reset while held in the FIFO or queued, with a
 * global `maxconn`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../helpers/load-config.js';
import { start } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';
import { assertIdle, assertNoException, client, forDuration, launch, origin, payload, pool, sha, tally } from './tcp-kit.js';
import type { Listener } from '../../../src/net/listener.js';

/** The listener's FIFO array length (private: read for this test only). */
function heldArrayLength(l: Listener): number {
  return (l as unknown as { held: unknown[] }).held.length;
}

for (const [name, extra] of [['raw accept', ''], ['net.Socket accept', '  tcp-request content accept if TRUE\n']] as const) {
  test(`${name}: frontend maxconn under sustained overload: bounded FIFO, slots back to 0`, { timeout: 20000 }, async () => {
    const o = await origin('echo');
    const port = await freePort();
    const r = loadConfigText(
      `global\n  maxconn 1000\ndefaults\n  mode tcp\n  timeout client 2s\n  timeout server 2s\n  timeout connect 1s\n` +
      `listen li\n  bind 127.0.0.1:${port} backlog 256\n  maxconn 4\n${extra}  server s1 127.0.0.1:${o.port}\n`,
    );
    const p = r.alerts.length === 0 ? await start(r.model) : undefined;
    try {
      assert.deepEqual(r.alerts, []);
      if (p === undefined) return;
      const l = p.runtime.frontends[0]!.listeners[0]!;
      let maxLen = 0;
      const sampler = setInterval(() => (maxLen = Math.max(maxLen, heldArrayLength(l))), 20);
      // Enough connections for a leak to show past the bound below (up to 9 s on a slow machine).
      const out = await forDuration(3000, 64, async () => {
        const d = payload(100);
        const x = await client(port, { send: d });
        return { x, ok: x.end === 'close' && sha(x.data) === sha(d) };
      }, { atLeast: 2500, maxMs: 9000 });
      clearInterval(sampler);
      const bad = out.filter((e) => !e.ok);
      assert.equal(bad.length, 0, `failed: ${JSON.stringify(tally(bad.map((e) => e.x)))}`);
      assert.ok(out.length > 2000, `only ${out.length} exchanges`);
      // 64 clients at most wait at a time: the array keeps at most ~2 × 1024 entries.
      assert.ok(maxLen <= 2200, `the listener's FIFO array reached ${maxLen} entries`);
      await p.lifecycle.whenIdle();
      assert.equal(l.own.current, 0, 'bind slots');
      assert.equal(p.runtime.frontends[0]!.slots.current, 0, 'frontend slots');
      assert.equal(p.runtime.gate.global.current, 0, 'global slots');
      assert.equal(p.runtime.gate.waiting.size, 0, 'listeners waiting');
      assert.equal(heldArrayLength(l), 0);
    } finally {
      await p?.stop();
      await o.close();
    }
  });
}

test('global maxconn: clients reset while held or queued; idle after, fresh connection works', { timeout: 20000 }, async () => {
  const echo = await origin('echo');
  const hang = await origin('hang');
  const p = await launch([
    'global',
    '  maxconn 8',
    'defaults',
    '  mode tcp',
    '  timeout client 1s',
    '  timeout server 300ms',
    '  timeout connect 300ms',
    '  timeout queue 300ms',
    'listen slow',
    '  bind ${ADDR:slow}',
    `  server h1 127.0.0.1:${hang.port} maxconn 2`,
    'listen fast',
    '  bind ${ADDR:fast}',
    `  server e1 127.0.0.1:${echo.port}`,
    '',
  ].join('\n'));
  try {
    for (let round = 0; round < 2; round++) {
      const [slow, resets, fast] = await Promise.all([
        pool(12, 12, () => client(p.ports["slow"]!, { send: payload(10) })),
        pool(24, 12, () => client(p.ports["slow"]!, { send: payload(10), halfClose: false, resetAfterMs: 30 })),
        pool(100, 20, async () => {
          const d = payload(300);
          const x = await client(p.ports['fast']!, { send: d, timeoutMs: 6000 });
          return { x, ok: x.end === 'close' && sha(x.data) === sha(d) };
        }),
      ]);
      assert.equal(slow.filter((x) => x.end === 'timeout').length, 0, `slow: ${JSON.stringify(tally(slow))}`);
      assert.equal(resets.filter((x) => x.end === 'timeout').length, 0);
      const bad = fast.filter((e) => !e.ok);
      assert.equal(bad.length, 0, `fast: ${JSON.stringify(tally(bad.map((e) => e.x)))}`);
      await assertIdle(p, 3000);
    }
    const fresh = await client(p.ports['fast']!, { send: Buffer.from('fresh') });
    assert.equal(fresh.data.toString(), 'fresh');
    assertNoException(p);
  } finally {
    await p.stop();
    await echo.close();
    await hang.close();
  }
});
