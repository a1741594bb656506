/**
 * Differential: which idle server connection each request reuses, and
 * which released connections are kept, through haproxy 2.6 (`nbthread 1`:
 * with several threads each thread has its own idle lists) and Switchyard
 * (src/http/server-pool.ts, docs/http-connections.md). Several keep-alive
 * clients send requests one after the other or a few at once (slow
 * responses, so that several server connections are in use together); the
 * origin answers each request with the number of the connection it came on
 * and its position there, and records which connections were reset. Covers
 * the FIFO order of haproxy's idle and safe lists, the first-request rules of
 * `http-reuse safe|aggressive|always`, the admission of released
 * connections (a connection beyond the estimated need is closed at once)
 * and `pool-low-conn`, and `option prefer-last-server` (only with private
 * connections, `http-reuse never`).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An origin naming each answer `<origin>c<connection>.<request>`; `slow` paths answer after 60 ms. */
class CountingOrigin {
  readonly server: net.Server;
  conns = 0;
  readonly resets = new Set<number>();
  constructor(readonly name: string) {
    this.server = net.createServer((s) => {
      const id = this.conns++;
      let n = 0;
      let buf = '';
      s.on('error', () => this.resets.add(id));
      s.on('data', (d) => {
        buf += d.toString('latin1');
        for (let i = buf.indexOf('\r\n\r\n'); i >= 0; i = buf.indexOf('\r\n\r\n')) {
          const path = buf.split(' ')[1] ?? '/';
          buf = buf.slice(i + 4);
          const body = `${this.name}c${id}.${n++}`;
          const reply = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
          setTimeout(() => s.write(reply), path.includes('slow') ? 60 : 0);
        }
      });
    });
    this.server.unref();
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }
  reset(): void {
    this.conns = 0;
    this.resets.clear();
  }
}

/** A keep-alive client reading Content-Length responses one at a time. */
class Client {
  private buf = '';
  private readonly waiters: Array<(body: string) => void> = [];
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      this.buf += d;
      for (;;) {
        const i = this.buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const n = Number(/content-length: *(\d+)/i.exec(this.buf.slice(0, i))?.[1] ?? 0);
        if (this.buf.length < i + 4 + n) return;
        const body = this.buf.slice(i + 4, i + 4 + n);
        this.buf = this.buf.slice(i + 4 + n);
        this.waiters.shift()?.(body);
      }
    });
  }
  static async open(port: number): Promise<Client> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return new Client(s);
  }
  get(path: string): Promise<string> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve('timeout'), 2000);
      this.waiters.push((b) => {
        clearTimeout(t);
        resolve(b);
      });
      this.sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/**
 * A plan: steps separated by spaces, each a request (`A1`: client A) or
 * requests sent together (`A1,B1`, answered slowly). Returns what each
 * request got, then the connections reset by the proxy.
 */
async function runPlan(port: number, plan: string, origins: CountingOrigin[]): Promise<string> {
  for (const o of origins) o.reset();
  const clients = new Map<string, Client>();
  const out: string[] = [];
  try {
    for (const step of plan.split(' ')) {
      const reqs = step.split(',');
      const got = await Promise.all(reqs.map(async (r) => {
        const name = r[0]!;
        let c = clients.get(name);
        if (c === undefined) {
          c = await Client.open(port);
          clients.set(name, c);
        }
        return c.get(`/${r}${reqs.length > 1 ? 'slow' : ''}`);
      }));
      // Requests sent together reach the proxy in any order (a loaded machine
      // reorders them): which connections served them is compared, not who got which.
      out.push(reqs.length === 1 ? `${step}=${got[0]}` : `${step}=${got.sort().join('+')}`);
      await sleep(20);
    }
    await sleep(30);
  } finally {
    for (const c of clients.values()) c.close();
  }
  for (const o of origins) out.push(`${o.name} reset: ${[...o.resets].sort().join(',')}`);
  return out.join(' ');
}

const PLANS: ReadonlyArray<readonly [listener: string, plan: string]> = [
  // One at a time: the second client's connection exceeds the need and is reset.
  ['safe', 'A1 B1 C1 A2 B2 C2 A3'],
  // Three at once: three kept; then FIFO, the idle list before the safe one.
  ['safe', 'A1,B1,C1 A2 B2 C2 A3 C3 B3 D1 D2 A4 A5 B4'],
  // pool-low-conn 9: every connection kept, reused in turn.
  ['lowconn', 'A1 B1 C1 D1 E1 A2 A3 A4 A5 B2 B3 B4 C2 C3 E2'],
  ['lowconn2', 'A1,B1 C1 D1 E1 A2 B2 C2'],
  ['always', 'A1 A2 B1 C1 B2 D1 A3'],
  ['always', 'A1,B1,C1 A2 D1 B2 E1 C2 D2 F1'],
  ['aggressive', 'A1,B1,C1 D1 A2 E1 B2 F1 C2 D2'],
  ['aggressive', 'A1 B1 A2 C1 B2 D1'],
  // prefer-last-server: alternates two servers with shared connections, stays with private ones.
  ['plsafe', 'A1 A2 A3 A4'],
  ['plnever', 'A1 A2 A3 A4'],
];

describe('which idle server connection a request reuses: haproxy 2.6 and Switchyard', { skip }, () => {
  const origins = [new CountingOrigin('a'), new CountingOrigin('b')];
  const results: Record<ProxyKind, string[]> = { haproxy: [], switchyard: [] };
  before(async () => {
    const [a, b] = await Promise.all(origins.map((o) => o.listen()));
    const listen = (name: string, lines: string): string => `listen ${name}\n  bind \${ADDR:${name}}\n${lines}\n`;
    const config = [
      'global\n  nbthread 1\n',
      'defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n',
      listen('safe', `  http-reuse safe\n  server s1 ${a}`),
      listen('lowconn', `  server s1 ${a} pool-low-conn 9`),
      listen('lowconn2', `  server s1 ${a} pool-low-conn 1`),
      listen('always', `  http-reuse always\n  server s1 ${a}`),
      listen('aggressive', `  http-reuse aggressive\n  server s1 ${a}`),
      listen('plsafe', `  option prefer-last-server\n  server s1 ${a}\n  server s2 ${b}`),
      listen('plnever', `  http-reuse never\n  option prefer-last-server\n  server s1 ${a}\n  server s2 ${b}`),
    ].join('\n');
    for (const kind of ['haproxy', 'switchyard'] as const) {
      const p = await startProxy(kind, config);
      try {
        for (const [l, plan] of PLANS) results[kind].push(await runPlan(p.ports[l]!, plan, origins));
      } finally {
        await p.stop();
      }
    }
  });
  after(async () => {
    for (const o of origins) o.server.close();
  });

  for (let i = 0; i < PLANS.length; i++) {
    const [l, plan] = PLANS[i]!;
    it(`${l}: ${plan}`, () => {
      assert.doesNotMatch(results.haproxy[i] ?? '', /timeout/);
      assert.equal(results.switchyard[i], results.haproxy[i]);
    });
  }
});
