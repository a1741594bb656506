/**
 * A plain (foreground) process and its signals, with real processes on
 * 127.0.0.1: traffic to an origin, `bind fd@N`, a port already in use, soft
 * stop (SIGUSR1), `hard-stop-after`, hard stop (SIGTERM), the SIGHUP state
 * dump, and taking over with -sf / -st. Every scenario runs against haproxy
 * 2.6 as well: both must behave the same, and print the same where noted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpOrigin, type TcpOrigin } from '../../helpers/origins.js';
import { commandFor, freePort, run, startProxy, type RunningProxy } from '../../helpers/processes.js';
import { KINDS, sleep, within } from './cli-kinds.js';

/** A tcp listen section to `server`, with a banner origin telling which configuration served. */
function config(server: string, global = ''): string {
  return `global\n${global}defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n` +
    `listen li\n  bind \${ADDR:fe}\n  server s1 ${server}\n`;
}

/** A client connection that remembers everything it received. */
class Conn {
  data = '';
  closed = false;
  private readonly sock: net.Socket;
  readonly done: Promise<void>;

  constructor(port: number) {
    this.sock = net.connect({ port, host: '127.0.0.1' });
    this.sock.setEncoding('utf8');
    this.sock.on('data', (d: string) => (this.data += d));
    this.sock.on('error', () => undefined);
    this.done = new Promise((r) => this.sock.once('close', () => {
      this.closed = true;
      r();
    }));
  }

  send(text: string): void {
    this.sock.write(text);
  }

  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }

  /** Resolves once the received text ends with `suffix` (bounded). */
  async expect(suffix: string, ms = 5000): Promise<void> {
    await until(() => this.data.endsWith(suffix), ms, () => `expected '${suffix}', got '${this.data}' (closed: ${this.closed})`);
  }
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timeout: ${what()}`);
    await sleep(20);
  }
}

/** 'connected', or the error code of a refused connection. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

/** The banner a new connection receives (which origin, hence which configuration, serves it). */
async function bannerOf(port: number): Promise<string> {
  const c = new Conn(port);
  try {
    // With `bind fd@N` the socket listens before the proxy runs: the first answer may take its start-up time.
    await until(() => c.data.length > 0 || c.closed, 5000, () => 'no banner');
    return c.data;
  } finally {
    c.destroy();
  }
}

/** What may differ between the two programs' messages. */
function mask(text: string): string {
  return text
    .replace(/\((\d+)\)/g, '(PID)')
    .replace(/(haproxy|switchyard) version is .*/g, 'VERSION')
    .replace(/path to executable is .*/g, 'PATH')
    .replace(/\[[^\]\s]*\.main\(\)\]/g, '[PROG.main()]');
}

async function withOrigin<T>(banner: string, f: (o: TcpOrigin) => Promise<T>): Promise<T> {
  const o = await tcpOrigin({ banner });
  try {
    return await f(o);
  } finally {
    await o.close();
  }
}

// The two programs run side by side; within one, the scenarios run one after the other.
describe('lifecycle', { concurrency: true }, () => {
  for (const { kind, skip } of KINDS) {
    describe(`serving (${kind})`, { skip, concurrency: 1 }, () => {
      it('-db serves traffic through to the origin', () => withOrigin('A', async (o) => {
        const p = await startProxy(kind, config(o.addr));
        try {
          const c = new Conn(p.ports['fe'] ?? 0);
          await c.expect('A');
          c.send('hello');
          await c.expect('Ahello');
          c.end();
          await c.done;
          assert.deepEqual(o.received.map(String), ['hello']);
        } finally {
          await p.stop();
        }
      }));

      it('bind fd@N serves on an inherited listening socket', () => withOrigin('F', async (o) => {
        const p = await startProxy(kind, config(o.addr).replace('${ADDR:fe}', '${FD:fe}'));
        try {
          assert.match(p.config, /bind fd@3\n/);
          assert.equal(await bannerOf(p.ports['fe'] ?? 0), 'F');
        } finally {
          await p.stop();
        }
      }));

      for (const flag of ['-n', '-N']) {
        it(`${flag} 1 limits the connections: a second one waits until the first ends`, () => withOrigin('A', async (o) => {
          const p = await startProxy(kind, config(o.addr), { extraArgs: [flag, '1'] });
          try {
            const port = p.ports['fe'] ?? 0;
            const first = new Conn(port);
            await first.expect('A');
            const second = new Conn(port);
            await sleep(300);
            assert.equal(second.data, '', 'the second connection is not served yet');
            first.destroy();
            await second.expect('A');
            second.destroy();
          } finally {
            await p.stop();
          }
        }));
      }

      it('SIGUSR1: listeners close, an open connection goes on until it ends, then exit 0', () => withOrigin('A', async (o) => {
        const p = await startProxy(kind, config(o.addr));
        const port = p.ports['fe'] ?? 0;
        try {
          const c = new Conn(port);
          await c.expect('A');
          process.kill(p.pid, 'SIGUSR1');
          await until(async () => (await probe(port)) === 'ECONNREFUSED', 3000, () => 'the listener is still open');
          c.send('still');
          await c.expect('Astill');
          await sleep(100);
          assert.equal(p.exitCode, null, 'waits for the open connection');
          c.end();
          const st = await within(p.exited, 3000);
          assert.deepEqual(st, { code: 0, signal: null });
          assert.match(p.stderr(), /\[WARNING\] {2}\(\d+\) : Proxy li stopped \(cumulated conns: FE: \d+, BE: \d+\)\.\n/);
          assert.match(p.stderr(), /Proxy <HTTPCLIENT> stopped \(cumulated conns: FE: 0, BE: 0\)\./);
        } finally {
          await p.stop();
        }
      }));

      it('hard-stop-after bounds a soft stop', () => withOrigin('A', async (o) => {
        const p = await startProxy(kind, config(o.addr, '  hard-stop-after 300ms\n'));
        try {
          const c = new Conn(p.ports['fe'] ?? 0);
          await c.expect('A');
          const t0 = Date.now();
          process.kill(p.pid, 'SIGUSR1');
          await within(c.done, 3000);
          assert.ok(c.closed, 'the connection is closed by hard-stop-after');
          const st = await within(p.exited, 3000);
          const dt = Date.now() - t0;
          assert.deepEqual(st, { code: 0, signal: null });
          assert.ok(dt >= 250 && dt < 2500, `stopped after ${dt} ms`);
        } finally {
          await p.stop();
        }
      }));

      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        it(`${signal}: hard stop, open connections are closed, the process dies from the signal`, () => withOrigin('A', async (o) => {
          const p = await startProxy(kind, config(o.addr));
          try {
            const c = new Conn(p.ports['fe'] ?? 0);
            await c.expect('A');
            process.kill(p.pid, signal);
            await within(c.done, 2000);
            assert.ok(c.closed, 'the connection is closed at once');
            const st = await within(p.exited, 2000);
            assert.deepEqual(st, { code: null, signal });
          } finally {
            await p.stop();
          }
        }));
      }

      it('-sf <old>: the new process serves, the old one leaves once its connections end', () => withOrigin('A', (oa) => withOrigin('B', async (ob) => {
        const a = await startProxy(kind, config(oa.addr));
        const port = a.ports['fe'] ?? 0;
        let b: RunningProxy | undefined;
        try {
          const c = new Conn(port);
          await c.expect('A');
          b = await startProxy(kind, config(ob.addr), { ports: { fe: port }, extraArgs: ['-sf', String(a.pid)] });
          await until(async () => (await bannerOf(port)) === 'B', 5000, () => 'B never served');
          c.send('x');
          await c.expect('Ax');
          assert.equal(a.exitCode, null, 'A waits for its connection');
          c.end();
          const st = await within(a.exited, 3000);
          assert.deepEqual(st, { code: 0, signal: null });
          assert.equal(await bannerOf(port), 'B');
        } finally {
          await a.stop();
          await b?.stop();
        }
      })));

      it('-st <old>: the old process is terminated at once', () => withOrigin('A', (oa) => withOrigin('B', async (ob) => {
        const a = await startProxy(kind, config(oa.addr));
        const port = a.ports['fe'] ?? 0;
        let b: RunningProxy | undefined;
        try {
          const c = new Conn(port);
          await c.expect('A');
          b = await startProxy(kind, config(ob.addr), { ports: { fe: port }, extraArgs: ['-st', String(a.pid)] });
          const st = await within(a.exited, 5000);
          assert.deepEqual(st, { code: null, signal: 'SIGTERM' });
          await within(c.done, 2000);
          assert.ok(c.closed, "A's connection is closed");
          await until(async () => (await bannerOf(port)) === 'B', 3000, () => 'B never served');
        } finally {
          await a.stop();
          await b?.stop();
        }
      })));
    });
  }

  describe('printed like haproxy', { skip: KINDS[0]?.skip ?? false, concurrency: true }, () => {
    it('a port already in use: the [ALERT] names the proxy, the line and the address; status 1', async () => {
      const busy = net.createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
      const port = (busy.address() as net.AddressInfo).port;
      const free = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
      try {
        writeFileSync(join(dir, 'busy.cfg'), `defaults\n  mode tcp\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n` +
          `frontend fe\n  bind 127.0.0.1:${free}\n  bind 127.0.0.1:${port}\n  default_backend be\nbackend be\n  server s1 127.0.0.1:9\n`);
        const results = await Promise.all((['haproxy', 'switchyard'] as const).map((k) => {
          const c = commandFor(k, ['-db', '-f', 'busy.cfg']);
          return run(c.cmd, c.args, { cwd: dir, timeoutMs: 5000 });
        }));
        const [h, s] = results;
        assert.ok(h !== undefined && s !== undefined);
        assert.equal(h.code, 1);
        assert.equal(s.code, 1);
        assert.equal(mask(s.stderr), mask(h.stderr));
        assert.match(s.stderr, new RegExp(`\\[ALERT\\] {4}\\(\\d+\\) : Binding \\[busy\\.cfg:8\\] for frontend fe: cannot bind socket \\(Address already in use\\) for \\[127\\.0\\.0\\.1:${port}\\]`));
        assert.match(s.stderr, /Some protocols failed to start their listeners! Exiting\./);
      } finally {
        busy.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('SIGHUP dumps the server states as warnings', () => withOrigin('A', async (o) => {
      const text = `defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n` +
        `listen li\n  bind \${ADDR:fe}\n  server s1 ${o.addr}\n  server s2 ${o.addr} backup\nbackend empty\n`;
      const dumps = await Promise.all((['haproxy', 'switchyard'] as const).map(async (k) => {
        const p = await startProxy(k, text);
        try {
          const c = new Conn(p.ports['fe'] ?? 0);
          await c.expect('A');
          process.kill(p.pid, 'SIGHUP');
          await until(() => p.stderr().includes('SIGHUP: Proxy <HTTPCLIENT>'), 3000, () => p.stderr());
          c.destroy();
          return p.stderr();
        } finally {
          await p.stop();
        }
      }));
      const lines = (t: string | undefined) => mask(t ?? '').split('\n').filter((l) => l.includes('SIGHUP'));
      assert.deepEqual(lines(dumps[1]), lines(dumps[0]));
      assert.ok(lines(dumps[1]).includes('[WARNING]  (PID) : SIGHUP: Server li/s1 is UP. Conn: 1 act, 0 pend, 1 tot.'), dumps[1]);
    }));
  });
});
