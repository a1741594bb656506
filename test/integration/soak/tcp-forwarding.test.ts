/**
 * Soak: `mode tcp` forwarding under a few thousand short connections and
 * some bulk ones, on the three data paths (docs/tcp-data-path.md): the raw
 * handles of src/tcp/raw-stream.ts, the net.Socket path of the same plain
 * proxy (SWITCHYARD_NET_SOCKET=1), and src/tcp/stream.ts with layer-4 work
 * (tcp-request content rules). After each batch: every client finished, the
 * bytes came back intact, the counters are back to idle, RSS does not keep
 * growing, nothing was thrown, and a fresh connection still works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertIdle, assertNoException, client, launch, origin, payload, pool, procSample, sha, tally, type DataPath, type Origin } from './tcp-kit.js';

interface PathCase {
  name: string;
  path: DataPath;
  /** Extra lines in the listen section. */
  lines: string[];
}

const CASES: PathCase[] = [
  { name: 'raw handles', path: 'raw', lines: [] },
  { name: 'net.Socket', path: 'socket', lines: [] },
  // A content rule takes TcpStream (src/tcp/stream.ts) and its inspection step.
  { name: 'layer-4 rules', path: 'raw', lines: ['  tcp-request inspect-delay 200ms', '  tcp-request content accept if { req.len gt 0 }', '  tcp-request content reject if FALSE'] },
];

function config(lines: string[], balance: string, ports: number[]): string {
  return [
    'global',
    '  maxconn 20000',
    'defaults',
    '  mode tcp',
    '  timeout client 3s',
    '  timeout server 3s',
    '  timeout connect 500ms',
    'listen li',
    '  bind ${ADDR:li}',
    `  balance ${balance}`,
    ...lines,
    ...ports.map((p, i) => `  server s${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

/** One batch: `short` echo exchanges of 1..2000 bytes, 50 at a time, and `bulk` echoes of 1 MiB in 16 KiB writes. */
async function batch(port: number, short: number, bulk: number): Promise<void> {
  const small = await pool(short, 50, async (i) => {
    const data = payload(1 + ((i * 7919) % 2000));
    const r = await client(port, { send: data });
    return { ok: r.end === 'close' && sha(r.data) === sha(data), r };
  });
  const bad = small.filter((x) => !x.ok);
  assert.equal(bad.length, 0, `short exchanges failed: ${JSON.stringify(tally(bad.map((x) => x.r)))}`);
  const big = await pool(bulk, 4, async () => {
    const data = payload(1 << 20);
    const r = await client(port, { send: data, chunk: 16384, timeoutMs: 6000 });
    return { ok: r.end === 'close' && r.data.length === data.length && sha(r.data) === sha(data), r };
  });
  const badBig = big.filter((x) => !x.ok);
  assert.equal(badBig.length, 0, `bulk exchanges failed: ${JSON.stringify(badBig.map((x) => [x.r.end, x.r.code, x.r.data.length]))}`);
}

for (const c of CASES) {
  test(`${c.name}: batches of short and bulk echoes end idle, intact, without RSS growth`, { timeout: 20000 }, async () => {
    const origins: Origin[] = [await origin('echo'), await origin('echo'), await origin('echo')];
    const p = await launch(config(c.lines, 'roundrobin', origins.map((o) => o.port)), c.path);
    try {
      const port = p.ports['li']!;
      const rss: number[] = [];
      for (let b = 0; b < 3; b++) {
        await batch(port, 700, 4);
        await assertIdle(p);
        rss.push(procSample(p.pid).rssKiB);
      }
      // Generous: the first batch warms the heap up; later ones must not keep adding.
      assert.ok(rss[2]! - rss[1]! < 24 * 1024, `RSS keeps growing: ${rss.join(', ')} KiB`);
      // Roundrobin spread the connections evenly (±1 per server and batch).
      const n = origins.map((o) => o.accepted);
      assert.ok(Math.max(...n) - Math.min(...n) <= 3, `uneven spread ${n.join(',')}`);
      const fresh = await client(port, { send: Buffer.from('still there') });
      assert.equal(fresh.data.toString(), 'still there');
      assertNoException(p);
    } finally {
      await p.stop();
      for (const o of origins) await o.close();
    }
  });
}
