/**
 * Failover of long-lived sessions (issue 5, "Failure handling"): clients
 * keep persistent connections and exchange a message every 20 ms; one of
 * the two origins freezes (its listener goes away so checks fail, and it
 * stops answering on the connections it holds). With `on-marked-down
 * shutdown-sessions` the proxy closes the sessions of the frozen server as
 * soon as the checks mark it DOWN; the clients reconnect and `option
 * redispatch` sends any connect that still picked the dead server to the
 * other one. Zero client errors beyond the detection window: every
 * exchange started after freeze + window succeeds, and no client waits
 * longer than the window. Without the option (the control case) the
 * clients on the frozen server stay stuck until `timeout server`.
 *
 * Runs for mode tcp (echo) and mode http (keep-alive GETs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy } from '../../helpers/processes.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The detection window: fall 2 x inter 100 ms, plus a check connect, plus scheduling slack on a loaded machine. */
const WINDOW_MS = 1200;

interface FreezableOrigin {
  port: number;
  freeze(): void;
  close(): Promise<void>;
}

/** An origin answering each message (`\n`-terminated line in tcp, request head in http) until frozen. */
async function freezableOrigin(mode: 'tcp' | 'http', name: string): Promise<FreezableOrigin> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d: Buffer) => {
      if (frozen) return;
      buf += d.toString('latin1');
      const sep = mode === 'tcp' ? '\n' : '\r\n\r\n';
      let i: number;
      while ((i = buf.indexOf(sep)) >= 0) {
        buf = buf.slice(i + sep.length);
        s.write(mode === 'tcp' ? `${name}\n` : `HTTP/1.1 200 OK\r\ncontent-length: ${name.length}\r\n\r\n${name}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    freeze() {
      frozen = true;
      server.close();
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      if (!server.listening) resolve();
    }),
  };
}

interface ClientStats {
  /** Start times of exchanges that did not get their answer (connection closed or stuck at the end). */
  failedStarts: number[];
  /** The longest time one exchange waited, answered or not. */
  maxWait: number;
  answered: number;
}

/** A client looping over one persistent connection, reconnecting when it closes, until `stopAt`. */
async function runClient(mode: 'tcp' | 'http', port: number, stopAt: number): Promise<ClientStats> {
  const stats: ClientStats = { failedStarts: [], maxWait: 0, answered: 0 };
  const msg = mode === 'tcp' ? 'ping\n' : 'GET / HTTP/1.1\r\nHost: t\r\n\r\n';
  const done = (b: string): boolean => (mode === 'tcp' ? b.includes('\n') : /\r\n\r\n\w+$/.test(b) && /content-length: (\d+)/.test(b) && b.endsWith(b.slice(-Number(/content-length: (\d+)/.exec(b)?.[1] ?? 0))));
  while (Date.now() < stopAt) {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined);
    let open = true;
    sock.on('close', () => (open = false));
    await new Promise<void>((r) => {
      sock.once('connect', () => r());
      sock.once('close', () => r());
    });
    while (open && Date.now() < stopAt) {
      const started = Date.now();
      let buf = '';
      const ok = await new Promise<boolean>((resolve) => {
        const onData = (d: Buffer): void => {
          buf += d.toString('latin1');
          if (done(buf)) finish(true);
        };
        const onClose = (): void => finish(false);
        const timer = setTimeout(() => finish(false), Math.max(0, stopAt + 300 - Date.now()));
        function finish(v: boolean): void {
          clearTimeout(timer);
          sock.off('data', onData);
          sock.off('close', onClose);
          resolve(v);
        }
        sock.on('data', onData);
        sock.on('close', onClose);
        if (!open) finish(false);
        else sock.write(msg);
      });
      stats.maxWait = Math.max(stats.maxWait, Date.now() - started);
      if (!ok) {
        stats.failedStarts.push(started);
        break;
      }
      stats.answered++;
      await sleep(20);
    }
    sock.destroy();
  }
  return stats;
}

function config(mode: 'tcp' | 'http', a: number, b: number, shutdown: boolean): string {
  const opt = shutdown ? ' on-marked-down shutdown-sessions' : '';
  return `
global
  nbthread 1
defaults
  mode ${mode}
  timeout connect 200ms
  timeout client 10s
  timeout server 10s
  retries 3
  option redispatch
listen fe
  bind \${ADDR:fe}
  balance roundrobin
  server a 127.0.0.1:${a} check inter 100ms fall 2 rise 2${opt}
  server b 127.0.0.1:${b} check inter 100ms fall 2 rise 2${opt}
`;
}

async function scenario(mode: 'tcp' | 'http', shutdown: boolean): Promise<{ stats: ClientStats[]; freezeAt: number; output: string }> {
  const a = await freezableOrigin(mode, 'a');
  const b = await freezableOrigin(mode, 'b');
  const p = await startProxy('switchyard', config(mode, a.port, b.port, shutdown));
  try {
    await sleep(200);
    const stopAt = Date.now() + 1800;
    const clients = [0, 1, 2, 3].map(() => runClient(mode, p.ports['fe']!, stopAt));
    await sleep(300);
    const freezeAt = Date.now();
    a.freeze();
    const stats = await Promise.all(clients);
    return { stats, freezeAt, output: p.output() };
  } finally {
    await p.stop();
    await a.close();
    await b.close();
  }
}

for (const mode of ['tcp', 'http'] as const) {
  describe(`mode ${mode}: a frozen server's sessions`, () => {
    it('with shutdown-sessions: no client error beyond the detection window', { timeout: 20_000 }, async () => {
      const { stats, freezeAt, output } = await scenario(mode, true);
      assert.match(output, /Server fe\/a is DOWN, reason: Layer4 connection problem/);
      const late = stats.flatMap((s) => s.failedStarts).filter((t) => t > freezeAt + WINDOW_MS);
      assert.deepEqual(late, [], `failures after the window\n${output}`);
      for (const s of stats) {
        assert.ok(s.maxWait < WINDOW_MS, `a client waited ${s.maxWait} ms\n${output}`);
        assert.ok(s.answered > 15, 'traffic kept flowing');
      }
    });

    it('without it (control): the sessions on the frozen server stay stuck', { timeout: 20_000, skip: mode === 'http' ? 'one control case is enough (tcp)' : false }, async () => {
      const { stats } = await scenario(mode, false);
      assert.ok(stats.some((s) => s.maxWait >= WINDOW_MS), 'some client was stuck on the frozen server');
    });
  });
}
