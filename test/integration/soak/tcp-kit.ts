/**
 * Shared pieces of the layer-4 soak tests (test/integration/soak/tcp-*.test.ts
 * and checks-*.test.ts): origins that misbehave on purpose, a bounded client
 * pool, and what a running Switchyard process tells from outside (its
 * SIGHUP state dump, /proc/<pid> RSS and CPU time, exceptions on stderr).
 *
 * Why from outside: the lead's freeze (commit e21c8b7, a server pool purge
 * gone quadratic) only showed after thousands of requests against the real
 * `switchyard` process; these tests run the real process too
 * (test/helpers/processes.ts startProxy) and read its counters the way
 * haproxy's own are read without a stats socket: `kill -HUP` prints, per
 * server, `Conn: <served> act, <queued> pend, <total> tot.` and per proxy the
 * frontend and backend current connections and the queue lengths
 * (haproxy.c sig_dump_state(), src/proxy/runtime.ts stateDump()).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** sha256 hex of the concatenation of `parts`. */
export function sha(...parts: Buffer[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

// ---- the proxy process ----------------------------------------------------

/** Which `mode tcp` data path a test runs on (docs/tcp-data-path.md). */
export type DataPath = 'raw' | 'socket';

/** Starts Switchyard on `config`; `path: 'socket'` sets SWITCHYARD_NET_SOCKET=1 (the net.Socket path). */
export function launch(config: string, path: DataPath = 'raw', vars: Record<string, string> = {}): Promise<RunningProxy> {
  return startProxy('switchyard', config, {
    vars,
    env: path === 'socket' ? { SWITCHYARD_NET_SOCKET: '1' } : { SWITCHYARD_NET_SOCKET: '' },
  });
}

/** Resident set size (KiB) and CPU time (user + system, ms) of a process, from /proc. */
export interface ProcSample {
  rssKiB: number;
  cpuMs: number;
  at: number;
}

/** Reads {@link ProcSample} for `pid` (Linux /proc; CLK_TCK is 100 on Linux). */
export function procSample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+)/.exec(status);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { rssKiB: Number(rss?.[1] ?? 0), cpuMs: ticks * 10, at: performance.now() };
}

/** One server line of the SIGHUP dump. */
export interface ServerDump {
  up: boolean;
  act: number;
  pend: number;
  tot: number;
}

/** One proxy line of the SIGHUP dump. */
export interface ProxyDump {
  fe: number;
  be: number;
  pend: number;
  unass: number;
  feTot: number;
  beTot: number;
}

/** The parsed SIGHUP dump: servers by `proxy/server`, proxies by name. */
export interface StateDump {
  servers: Map<string, ServerDump>;
  proxies: Map<string, ProxyDump>;
}

const SERVER_LINE = /SIGHUP: Server ([^/ ]+)\/(\S+) is (UP|DOWN)\. Conn: (\d+) act, (\d+) pend, (\d+) tot\./;
const PROXY_LINE = /SIGHUP: Proxy (\S+) .*Conn: act\(FE\+BE\): (-?\d+)\+(-?\d+), (-?\d+) pend \((-?\d+) unass\), tot\(FE\+BE\): (\d+)\+(\d+)\./;

/** Sends SIGHUP and parses the dump it prints (waits for its last line, 3 s at most). */
export async function stateDump(p: RunningProxy): Promise<StateDump> {
  const from = p.stderr().length;
  process.kill(p.pid, 'SIGHUP');
  const end = Date.now() + 3000;
  let text = '';
  for (;;) {
    text = p.stderr().slice(from);
    if (text.includes('Proxy <HTTPCLIENT>')) break;
    if (Date.now() > end) throw new Error(`no SIGHUP dump from the proxy:\n${text}`);
    await sleep(10);
  }
  const servers = new Map<string, ServerDump>();
  const proxies = new Map<string, ProxyDump>();
  for (const line of text.split('\n')) {
    const s = SERVER_LINE.exec(line);
    if (s !== null && !s[1]!.startsWith('<')) {
      servers.set(`${s[1]}/${s[2]}`, { up: s[3] === 'UP', act: Number(s[4]), pend: Number(s[5]), tot: Number(s[6]) });
      continue;
    }
    const x = PROXY_LINE.exec(line);
    if (x !== null && !x[1]!.startsWith('<')) {
      proxies.set(x[1]!, { fe: Number(x[2]), be: Number(x[3]), pend: Number(x[4]), unass: Number(x[5]), feTot: Number(x[6]), beTot: Number(x[7]) });
    }
  }
  return { servers, proxies };
}

/** Whether a dump shows no connection and no queued stream anywhere. */
export function dumpIdle(d: StateDump): boolean {
  for (const s of d.servers.values()) if (s.act !== 0 || s.pend !== 0) return false;
  for (const x of d.proxies.values()) if (x.fe !== 0 || x.be !== 0 || x.pend !== 0 || x.unass !== 0) return false;
  return true;
}

/** Polls the dump until the proxy is idle (`ms` at most), then asserts it is, printing the last dump. */
export async function assertIdle(p: RunningProxy, ms = 2000): Promise<StateDump> {
  const end = Date.now() + ms;
  let d = await stateDump(p);
  while (!dumpIdle(d) && Date.now() < end) {
    await sleep(100);
    d = await stateDump(p);
  }
  assert.ok(d.servers.size > 0 && d.proxies.size > 0, 'the SIGHUP dump names no server');
  assert.ok(dumpIdle(d), `counters not back to idle: ${JSON.stringify({ servers: [...d.servers], proxies: [...d.proxies] })}`);
  return d;
}

/** Asserts that the proxy printed no JavaScript exception or warning from Node. */
export function assertNoException(p: RunningProxy): void {
  const err = p.stderr();
  const bad = err.split('\n').filter((l) => /(Error|Exception)\b.*:|^\s+at .+\(.*\.js:\d+|UnhandledPromise|\(node:\d+\)/.test(l));
  assert.deepEqual(bad, [], `exception in the proxy's stderr:\n${err.slice(-3000)}`);
  assert.equal(p.exitCode, null, `the proxy exited (${p.exitCode}):\n${err.slice(-3000)}`);
}

// ---- origins ----------------------------------------------------------------

/** An origin listening on 127.0.0.1:0 with its open sockets. */
export interface Origin {
  readonly port: number;
  readonly server: net.Server;
  readonly sockets: Set<net.Socket>;
  accepted: number;
  /** 'banner' origins: the sha256 of what each connection sent, once it half-closed. */
  readonly digests: string[];
  close(): Promise<void>;
}

/** What an origin does with each connection. */
export type OriginBehaviour =
  /** writes back what it reads, forwards the half-close */
  | 'echo'
  /** reads everything, then answers the sha256 of it and closes */
  | 'digest'
  /** closes at once (a FIN) */
  | 'close'
  /** resets at once */
  | 'reset'
  /** never reads nor answers */
  | 'hang'
  /** sends 10,000 bytes of `banner()` and its FIN first, then records the sha256 of what it reads in `digests` */
  | 'banner';

/** What a 'banner' origin sends first. */
export const BANNER: Buffer = Buffer.alloc(10000, 'banner;');

/** Starts an origin with one of the behaviours above (`listen` false: do not listen yet). */
export async function origin(behaviour: OriginBehaviour, port = 0): Promise<Origin> {
  const sockets = new Set<net.Socket>();
  const o = {
    port: 0,
    accepted: 0,
    digests: [] as string[],
    sockets,
    server: net.createServer({ allowHalfOpen: true }, (c) => {
      o.accepted++;
      sockets.add(c);
      c.on('error', () => undefined);
      c.on('close', () => sockets.delete(c));
      switch (behaviour) {
        case 'echo':
          c.pipe(c);
          break;
        case 'digest': {
          const h = createHash('sha256');
          c.on('data', (d: Buffer) => h.update(d));
          c.on('end', () => c.end(h.digest('hex')));
          break;
        }
        case 'close':
          c.end();
          c.resume();
          break;
        case 'reset':
          c.resetAndDestroy();
          break;
        case 'hang':
          c.pause();
          break;
        case 'banner': {
          const h = createHash('sha256');
          c.end(BANNER);
          c.on('data', (d: Buffer) => h.update(d));
          c.on('end', () => o.digests.push(h.digest('hex')));
          break;
        }
      }
    }),
    close: (): Promise<void> =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        o.server.close(() => r());
      }),
  };
  o.server.maxConnections = 100000;
  await new Promise<void>((resolve, reject) => {
    o.server.once('error', reject);
    o.server.listen(port, '127.0.0.1', () => resolve());
  });
  const a = o.server.address();
  o.port = typeof a === 'object' && a !== null ? a.port : 0;
  return o;
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused. */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const p = typeof a === 'object' && a !== null ? a.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

// ---- clients --------------------------------------------------------------

/** How a client connection ended. */
export interface ClientResult {
  /** Bytes received. */
  data: Buffer;
  /** 'close' (the proxy closed or finished), 'error' (with `code`), or 'timeout' (the client gave up: a hang). */
  end: 'close' | 'error' | 'timeout';
  code?: string;
}

export interface ClientOptions {
  /** Bytes to send; written in one go unless `chunk` is set. */
  send?: Buffer;
  /** Write `send` in pieces of this size, waiting for 'drain' (bulk). */
  chunk?: number;
  /** Half-close after sending (default true). */
  halfClose?: boolean;
  /** Reset the connection once this many bytes were received, or (with 0) right after sending. */
  resetAfter?: number;
  /** Reset after this many ms. */
  resetAfterMs?: number;
  /** Give up (and destroy) after this many ms: reported as 'timeout' (default 4000). */
  timeoutMs?: number;
  /** Send only once the peer's FIN arrived (the server half-closes first), then half-close. */
  sendAfterEnd?: boolean;
}

/** One client connection to 127.0.0.1:`port`; never rejects, always settles within `timeoutMs`. */
export function client(port: number, o: ClientOptions = {}): Promise<ClientResult> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    let code: string | undefined;
    const finish = (end: ClientResult['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      if (resetTimer !== undefined) clearTimeout(resetTimer);
      resolve({ data: Buffer.concat(chunks), end, ...(code !== undefined ? { code } : {}) });
    };
    const guard = setTimeout(() => {
      c.destroy();
      finish('timeout');
    }, o.timeoutMs ?? 4000);
    const resetTimer = o.resetAfterMs !== undefined ? setTimeout(() => c.resetAndDestroy(), o.resetAfterMs) : undefined;
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (o.resetAfter !== undefined && o.resetAfter > 0 && received >= o.resetAfter) {
        c.resetAndDestroy();
        finish('close');
      }
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      code = e.code ?? e.message;
    });
    c.on('end', () => {
      if (o.sendAfterEnd === true && o.send !== undefined) c.write(o.send);
      c.end();
    });
    c.on('close', () => finish(code !== undefined ? 'error' : 'close'));
    c.on('connect', () => {
      if (o.sendAfterEnd === true) return;
      void (async () => {
        const send = o.send;
        if (send !== undefined && send.length > 0) {
          const step = o.chunk ?? send.length;
          for (let i = 0; i < send.length && !c.destroyed; i += step) {
            if (!c.write(send.subarray(i, i + step))) {
              await new Promise<void>((r) => {
                const go = (): void => {
                  c.off('drain', go);
                  c.off('close', go);
                  r();
                };
                c.on('drain', go);
                c.on('close', go);
              });
            }
          }
        }
        if (c.destroyed) return;
        if (o.resetAfter === 0) {
          c.resetAndDestroy();
          finish('close');
          return;
        }
        if (o.halfClose !== false) c.end();
      })();
    });
  });
}

/** Runs `n` tasks with at most `concurrency` at a time; results in task order. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) out[i] = await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, () => worker()));
  return out;
}

/**
 * Runs `task` on `concurrency` workers until `ms` elapsed (each worker finishes
 * its current task), or longer (up to `maxMs`) until `atLeast` tasks started;
 * results in completion order.
 */
export async function forDuration<T>(
  ms: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
  opts: { atLeast?: number; maxMs?: number } = {},
): Promise<T[]> {
  const out: T[] = [];
  const start = performance.now();
  const end = start + ms;
  // A slow machine gets more time (up to maxMs) to reach the count a test relies on.
  const hardEnd = start + Math.max(ms, opts.maxMs ?? ms);
  const atLeast = opts.atLeast ?? 0;
  let next = 0;
  const more = (): boolean => {
    const now = performance.now();
    return now < end || (next < atLeast && now < hardEnd);
  };
  const worker = async (): Promise<void> => {
    while (more()) out.push(await task(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return out;
}

/**
 * The state changes the proxy printed for each server (`Server be/s is UP`,
 * `... is DOWN`), in order, from its stderr: `{ 'be/s2': ['DOWN', 'UP'] }`.
 */
export function stateChanges(p: RunningProxy): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of p.stderr().split('\n')) {
    const m = /Server (\S+\/\S+) is (UP|DOWN)\b/.exec(line);
    if (m === null || line.includes('SIGHUP')) continue;
    const l = out.get(m[1]!) ?? [];
    l.push(m[2]!);
    out.set(m[1]!, l);
  }
  return out;
}

/** Random bytes of `n` length (a fresh buffer). */
export function payload(n: number): Buffer {
  return randomBytes(n);
}

/** Counts results by how they ended, for assertion messages: `{ close: 3, timeout: 1 }`. */
export function tally(rs: readonly ClientResult[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of rs) {
    const k = r.end === 'error' ? `error:${r.code ?? ''}` : r.end;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}
