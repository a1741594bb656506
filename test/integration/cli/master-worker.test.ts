/**
 * -W master-worker, against haproxy 2.6 as well: the pid file holds the
 * master, traffic flows through its worker, SIGUSR2 re-reads the
 * configuration and starts a new worker while the old one finishes the
 * connections it has (a connection opened before the reload keeps working
 * until it ends, new ones reach the new configuration), a configuration that
 * no longer loads keeps the current worker, and SIGUSR1 to the master stops
 * everything. The master's messages are haproxy's (mworker.c).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpOrigin, type TcpOrigin } from '../../helpers/origins.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';
import { KINDS, sleep, within } from './cli-kinds.js';

async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timeout: ${what()}`);
    await sleep(20);
  }
}

/** Live (non-zombie) children of `pid`, read from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[1]) === pid) out.push(Number(e));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A client connection that remembers what it received. */
class Conn {
  data = '';
  closed = false;
  private readonly sock: net.Socket;
  constructor(port: number) {
    this.sock = net.connect({ port, host: '127.0.0.1' });
    this.sock.setEncoding('utf8');
    this.sock.on('data', (d: string) => (this.data += d));
    this.sock.on('error', () => undefined);
    this.sock.on('close', () => (this.closed = true));
  }
  send(t: string): void {
    this.sock.write(t);
  }
  end(): void {
    this.sock.end();
  }
  destroy(): void {
    this.sock.destroy();
  }
  expect(suffix: string): Promise<true> {
    return until(() => this.data.endsWith(suffix), 5000, () => `expected '${suffix}', got '${this.data}'`);
  }
}

/** The banner of the origin that serves a new connection ('' when refused or silent). */
async function bannerOf(port: number): Promise<string> {
  const c = new Conn(port);
  try {
    await until(() => c.data.length > 0 || c.closed, 3000, () => 'no banner');
  } catch {
    // '' below.
  }
  c.destroy();
  return c.data;
}

function config(server: string): string {
  return 'defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n' +
    `listen li\n  bind \${ADDR:fe}\n  server s1 ${server}\n`;
}

async function origins(): Promise<[TcpOrigin, TcpOrigin]> {
  return [await tcpOrigin({ banner: 'A' }), await tcpOrigin({ banner: 'B' })];
}

describe('master-worker', { concurrency: true }, () => {
  for (const { kind, skip } of KINDS) {
    it(`${kind}: reload on SIGUSR2 keeps old connections, serves new ones with the new configuration; SIGUSR1 stops all`, { skip }, async () => {
      const [oa, ob] = await origins();
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-mw-'));
      const pidFile = join(dir, 'mw.pid');
      let p: RunningProxy | undefined;
      try {
        p = await startProxy(kind, config(oa.addr), { extraArgs: ['-W', '-p', pidFile] });
        const proxy = p;
        const port = proxy.ports['fe'] ?? 0;
        const master = proxy.pid;
        // The pid file holds the master.
        assert.equal(Number(readFileSync(pidFile, 'utf8').trim()), master);
        const [firstWorker] = await until(() => { const c = childrenOf(master); return c.length === 1 ? c : undefined; }, 3000, () => 'no worker');
        assert.ok(firstWorker !== undefined);

        const long = new Conn(port);
        await long.expect('A');
        long.send('1');
        await long.expect('A1');
        // haproxy's master reloads only once its worker has reported ready, a little after it listens.
        await sleep(300);

        // Reload with a configuration pointing to the other origin.
        writeFileSync(proxy.configFile, proxy.config.replace(oa.addr, ob.addr));
        process.kill(master, 'SIGUSR2');
        await until(async () => (await bannerOf(port)) === 'B', 5000, () => `never served by the new configuration\n${proxy.output()}`);
        const workers = childrenOf(master);
        assert.equal(workers.length, 2, 'the old worker stays while its connection lives');
        assert.ok(workers.includes(firstWorker));

        // The connection opened before the reload still works, through the old worker and origin.
        long.send('2');
        await long.expect('A12');
        long.end();
        await until(() => !alive(firstWorker), 3000, () => 'the old worker did not leave');
        await until(() => proxy.output().includes(`Former worker (${firstWorker}) exited with code 0 (Exit)`), 3000, () => proxy.output());
        assert.match(proxy.output(), /\[NOTICE\] {3}\(\d+\) : New worker \(\d+\) forked\n/);
        assert.match(proxy.output(), /\[NOTICE\] {3}\(\d+\) : Loading success\.\n/);
        assert.equal(await bannerOf(port), 'B');

        // SIGUSR1 to the master: soft stop of everything, status 0.
        const [second] = childrenOf(master);
        process.kill(master, 'SIGUSR1');
        const st = await within(proxy.exited, 4000);
        assert.deepEqual(st, { code: 0, signal: null }, proxy.output());
        assert.ok(second === undefined || !alive(second), 'the worker is gone');
        assert.match(proxy.output(), /\[WARNING\] {2}\(\d+\) : Exiting Master process\.\.\.\n/);
        assert.match(proxy.output(), /All workers exited\. Exiting\.\.\. \(0\)\n/);
      } finally {
        await p?.stop();
        await oa.close();
        await ob.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${kind}: a reload with a broken configuration keeps the current worker`, { skip }, async () => {
      const [oa, ob] = await origins();
      let p: RunningProxy | undefined;
      try {
        p = await startProxy(kind, config(oa.addr), { extraArgs: ['-W'] });
        const proxy = p;
        const port = proxy.ports['fe'] ?? 0;
        assert.equal(await bannerOf(port), 'A');
        await sleep(300);
        const before = childrenOf(proxy.pid);
        writeFileSync(proxy.configFile, `${proxy.config.replace(oa.addr, ob.addr)}  bogus-keyword\n`);
        process.kill(proxy.pid, 'SIGUSR2');
        await until(() => proxy.output().includes('Loading failure!'), 4000, () => proxy.output());
        assert.match(proxy.output(), /unknown keyword 'bogus-keyword' in 'listen' section/);
        assert.deepEqual(childrenOf(proxy.pid), before);
        assert.equal(await bannerOf(port), 'A');
        // SIGTERM to the master: everything stops at once.
        process.kill(proxy.pid, 'SIGTERM');
        const st = await within(proxy.exited, 4000);
        assert.deepEqual(st, { code: 0, signal: null }, proxy.output());
        assert.match(proxy.output(), /Current worker \(\d+\) exited with code 143 \(Terminated\)/);
      } finally {
        await p?.stop();
        await oa.close();
        await ob.close();
      }
    });
  }
});
