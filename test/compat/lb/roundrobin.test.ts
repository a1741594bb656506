/**
 * Differential: the order in which haproxy 2.6 and Switchyard pick servers,
 * over real connections to recording origins, for roundrobin and static-rr
 * with assorted weights, and across a server leaving and coming back
 * (`disable server` / `enable server` on haproxy's stats socket, maintenance
 * on ours).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAPROXY_BIN, haproxyAvailable } from '../../helpers/paths.js';
import { freePort } from '../../helpers/processes.js';
import { bind, model, proxy, server, start } from '../../helpers/model-builder.js';

interface Origins {
  ports: number[];
  close(): void;
}

/** One origin per server; each answers its 1-based index and closes. */
async function origins(n: number): Promise<Origins> {
  const servers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<net.Server>((resolve) => {
        const s = net.createServer((c) => c.end(String.fromCharCode(97 + i)));
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  return {
    ports: servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a !== null ? a.port : 0;
    }),
    close: () => servers.forEach((s) => s.close()),
  };
}

/**
 * Sequential connections; each returns the letter of the server that answered.
 * `settle` waits until the proxy has finished the previous stream (the client
 * can see its close before the proxy released the server slot).
 */
async function sequence(port: number, n: number, settle: () => Promise<void>): Promise<string> {
  let out = '';
  for (let i = 0; i < n; i++) {
    await settle();
    out += await new Promise<string>((resolve) => {
      const c = net.connect({ port, host: '127.0.0.1' });
      let d = '';
      c.on('data', (x: Buffer) => (d += x.toString()));
      c.on('error', () => resolve('!'));
      c.on('close', () => resolve(d === '' ? '-' : d));
    });
  }
  return out;
}

function cli(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    let d = '';
    c.on('data', (x: Buffer) => (d += x.toString()));
    c.on('close', () => resolve(d));
    c.end(`${cmd}\n`);
  });
}

interface Step {
  picks: number;
  /** Taken before the picks: [server index, down?]. */
  change?: [number, boolean];
}

async function viaHaproxy(algo: string, weights: number[], ports: number[], steps: Step[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-rr-'));
  const front = await freePort();
  const sock = join(dir, 'stats.sock');
  const cfg = [
    'global', '  nbthread 1', `  stats socket ${sock} level admin`,
    'defaults', '  mode tcp', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s',
    'listen li', `  bind 127.0.0.1:${front}`, `  balance ${algo}`,
    ...weights.map((w, i) => `  server s${i + 1} 127.0.0.1:${ports[i]} weight ${w}`), '',
  ].join('\n');
  writeFileSync(join(dir, 'h.cfg'), cfg);
  const child = spawn(HAPROXY_BIN, ['-db', '-f', join(dir, 'h.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((r) => {
        const c = net.connect(sock);
        c.on('connect', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    let out = '';
    for (const st of steps) {
      if (st.change !== undefined) {
        const [i, down] = st.change;
        await new Promise((r) => setTimeout(r, 5));
        await cli(sock, `${down ? 'disable' : 'enable'} server li/s${i + 1}`);
        out += '|';
      }
      out += await sequence(front, st.picks, () => new Promise((r) => setTimeout(r, 5)));
    }
    return out;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function viaSwitchyard(algo: string, weights: number[], ports: number[], steps: Step[]): Promise<string> {
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], balance: algo, timeouts: { client: 5000, server: 5000, connect: 5000 },
    servers: weights.map((w, i) => server(`s${i + 1}`, `127.0.0.1:${ports[i]}`, { weight: w })),
  })]));
  try {
    const be = p.runtime.backends.get('li')!;
    let out = '';
    for (const st of steps) {
      if (st.change !== undefined) {
        const [i, down] = st.change;
        await p.lifecycle.whenIdle();
        be.servers[i]!.setMaint(down);
        out += '|';
      }
      out += await sequence(p.port('li'), st.picks, () => p.lifecycle.whenIdle());
    }
    return out;
  } finally {
    await p.stop();
  }
}

const CASES: Array<{ algo: string; weights: number[]; steps: Step[] }> = [
  { algo: 'roundrobin', weights: [3, 2, 1], steps: [{ picks: 24 }] },
  { algo: 'roundrobin', weights: [1, 1, 1, 1], steps: [{ picks: 12 }] },
  { algo: 'roundrobin', weights: [9, 0, 3, 7, 4], steps: [{ picks: 46 }] },
  { algo: 'roundrobin', weights: [256, 1, 17], steps: [{ picks: 60 }] },
  { algo: 'roundrobin', weights: [5, 3, 2], steps: [{ picks: 13 }, { picks: 17, change: [1, true] }, { picks: 23, change: [1, false] }] },
  { algo: 'roundrobin', weights: [2, 2, 1], steps: [{ picks: 7 }, { picks: 9, change: [0, true] }, { picks: 11, change: [0, false] }] },
  { algo: 'static-rr', weights: [4, 1, 2], steps: [{ picks: 21 }] },
  { algo: 'static-rr', weights: [3, 2, 1], steps: [{ picks: 8 }, { picks: 9, change: [2, true] }, { picks: 10, change: [2, false] }] },
  // Sequential connections: leastconn rotates among idle servers as their keys move.
  { algo: 'leastconn', weights: [1, 2, 3], steps: [{ picks: 9 }, { picks: 7, change: [0, true] }, { picks: 7, change: [0, false] }] },
  { algo: 'first', weights: [1, 1, 1], steps: [{ picks: 3 }, { picks: 3, change: [0, true] }] },
  // 127.0.0.1 hashed onto the map of weights 2,3,4 (and of 2,4 once s2 leaves).
  { algo: 'source', weights: [2, 3, 4], steps: [{ picks: 3 }, { picks: 3, change: [1, true] }] },
];

for (const c of CASES) {
  test(`${c.algo} ${c.weights.join(',')}${c.steps.length > 1 ? ' with a server leaving and returning' : ''}: same order as haproxy`, { skip: !haproxyAvailable() }, async () => {
    const o = await origins(c.weights.length);
    try {
      const theirs = await viaHaproxy(c.algo, c.weights, o.ports, c.steps);
      const ours = await viaSwitchyard(c.algo, c.weights, o.ports, c.steps);
      assert.equal(ours, theirs);
    } finally {
      o.close();
    }
  });
}
