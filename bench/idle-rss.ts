/**
 * Memory per idle proxied connection (issue 4: "10,000 idle proxied
 * connections: under 30 KiB of RSS each"), Switchyard against
 * /usr/sbin/haproxy (nbthread 1) on the same configuration file, one after
 * the other in the same run.
 *
 * Processes: an origin (a plain `net` server that accepts and holds), the
 * proxy (`node bin/switchyard.js -db -f cfg`, then `haproxy -db -f cfg`), and
 * a load process that opens N connections through the proxy and keeps them
 * idle. For each proxy: VmRSS (and RssAnon) from /proc/<pid>/status after
 * startup, then again once the origin holds N connections; the difference
 * divided by N is the figure. Kernel socket buffers are not in RSS (they are
 * kernel memory), so this is the user-space cost only, as in haproxy's own
 * "memory per connection" figures.
 *
 * A proxied connection costs the proxy two descriptors: the proxies run
 * under `ulimit -n <hard limit>`, and N is lowered (with a note) when the
 * hard limit cannot hold 2N plus a margin.
 *
 *   node dist/bench/idle-rss.js [--n 10000] [--only haproxy,switchyard] [--settle 2000] [--sources 0]
 *                               [--heap-snapshot]   (Switchyard heap with N open, saved in the tmp dir)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
// dist/bench/idle-rss.js → repository root.
const ROOT = resolve(dirname(SELF), '..', '..');
const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
const TARGET_KIB = 30;
/** Connects in flight at once from the load process (stays under the listen backlogs). */
const WINDOW = 200;
/**
 * Source addresses the clients may spread over (`--sources K`). Off by
 * default: connect() without bind() shares ephemeral ports across
 * destinations and reuses TIME_WAIT ones, while bind() to port 0 on a source
 * address scans for a free port and got slow (40 s of system time) on a run
 * right after another one.
 */
const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

type Who = 'haproxy' | 'switchyard';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- roles run in child processes ------------------------------------------

/** Origin: accepts and holds; answers `{open, accepted}` to any IPC message. */
async function runOrigin(): Promise<void> {
  let open = 0;
  let accepted = 0;
  const srv = net.createServer((c) => {
    open++;
    accepted++;
    // Flowing, so that the proxy's half-close ('end') is seen and answered
    // with a close (allowHalfOpen false): a paused socket would hold forever.
    c.resume();
    c.on('error', () => undefined);
    c.on('close', () => {
      open--;
    });
  });
  srv.maxConnections = 1 << 20;
  await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r()));
  process.on('message', () => process.send?.({ open, accepted }));
  const a = srv.address();
  process.send?.({ port: typeof a === 'object' && a !== null ? a.port : 0 });
}

/** Load: opens N idle connections (WINDOW in flight), reports, destroys them on any message. */
async function runLoad(): Promise<void> {
  const port = Number(arg('port', '0'));
  const n = Number(arg('n', '10000'));
  const sources = Math.min(SOURCES.length, Number(arg('sources', '0')));
  const socks: net.Socket[] = [];
  let connected = 0;
  let errors = 0;
  let next = 0;
  await new Promise<void>((done) => {
    let inFlight = 0;
    const pump = (): void => {
      while (inFlight < WINDOW && next < n) {
        const i = next++;
        inFlight++;
        const c = sources > 0 ? net.connect({ port, host: '127.0.0.1', localAddress: SOURCES[i % sources] }) : net.connect({ port, host: '127.0.0.1' });
        let settled = false;
        const settle = (ok: boolean): void => {
          if (settled) return;
          settled = true;
          inFlight--;
          if (ok) connected++;
          else errors++;
          if (next >= n && inFlight === 0) done();
          else pump();
        };
        c.on('connect', () => settle(true));
        c.on('error', () => settle(false));
        c.on('close', () => settle(false));
        socks.push(c);
      }
    };
    pump();
  });
  process.on('message', () => {
    for (const c of socks) c.destroy();
    process.exit(0);
  });
  process.send?.({ connected, errors });
}

// ---- orchestration ---------------------------------------------------------

function ask<T>(child: ChildProcess, msg: unknown = 'q'): Promise<T> {
  return new Promise((r) => {
    child.once('message', (m) => r(m as T));
    if (msg !== null) child.send(msg as string);
  });
}

function hardFdLimit(): number {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  return m?.[1] === undefined || m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
}

interface Rss {
  rss: number;
  anon: number;
  hwm: number;
}

/** proc(5) /proc/<pid>/status, in KiB. */
function readRss(pid: number): Rss {
  const s = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), hwm: kib('VmHWM') };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === 'object' && a !== null ? a.port : 0;
}

/**
 * Waits for a LISTEN socket on the port in /proc/net/tcp (proc(5): state 0A).
 * No probe connection: one through the proxy would reach the origin, and
 * haproxy may keep its server side open after the client's reset.
 */
async function waitListening(port: number, proc: ChildProcess, deadline = Date.now() + 10000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`proxy exited with ${proc.exitCode} before listening`);
    const rows = readFileSync('/proc/net/tcp', 'latin1').split('\n');
    if (rows.some((l) => l.split(/\s+/)[2]?.endsWith(hex) === true && l.split(/\s+/)[4] === '0A')) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not listening`);
    await sleep(50);
  }
}

async function waitOrigin(origin: ChildProcess, pred: (open: number) => boolean, what: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { open } = await ask<{ open: number }>(origin);
    if (pred(open)) return open;
    if (Date.now() > deadline) throw new Error(`origin: ${what} not reached (${open} open)`);
    await sleep(100);
  }
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const kill = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.once('exit', () => {
      clearTimeout(kill);
      r();
    });
    p.kill('SIGTERM');
  });
}

interface Result {
  who: Who;
  n: number;
  before: Rss;
  after: Rss;
  errors: number;
  snapshot?: string;
}

async function measure(who: Who, cfg: string, dir: string, front: number, origin: ChildProcess, n: number, settle: number, heap: boolean): Promise<Result> {
  const cmd =
    who === 'haproxy'
      ? [HAPROXY, '-db', '-f', cfg]
      : [process.execPath, ...(heap ? ['--heapsnapshot-signal=SIGUSR2'] : []), join(ROOT, 'bin', 'switchyard.js'), '-db', '-f', cfg];
  // `exec` keeps the PID: the one spawned is the proxy itself.
  const proxy = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'bash', ...cmd], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proxy.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let load: ChildProcess | undefined;
  try {
    await waitListening(front, proxy);
    await sleep(settle);
    const pid = proxy.pid!;
    const before = readRss(pid);
    load = fork(SELF, ['--role', 'load', '--port', String(front), '--n', String(n), '--sources', arg('sources', '0')], { stdio: 'inherit' });
    const r = await ask<{ connected: number; errors: number }>(load, null);
    await waitOrigin(origin, (o) => o >= n, `${n} accepted`, 60000);
    await sleep(settle);
    const after = readRss(pid);
    const res: Result = { who, n, before, after, errors: r.errors };
    if (heap && who === 'switchyard') {
      proxy.kill('SIGUSR2');
      const t0 = Date.now();
      while (Date.now() - t0 < 30000) {
        await sleep(500);
        const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot'));
        // The file is complete once its size stops changing; a fixed wait is enough here.
        if (f !== undefined) {
          await sleep(3000);
          res.snapshot = join(tmpdir(), `switchyard-idle-rss-${n}.heapsnapshot`);
          writeFileSync(res.snapshot, readFileSync(join(dir, f)));
          break;
        }
      }
    }
    return res;
  } catch (e) {
    if (stderr !== '') process.stderr.write(`[bench] ${who} stderr:\n${stderr}`);
    throw e;
  } finally {
    if (load !== undefined && load.exitCode === null) {
      const gone = new Promise((r) => load!.once('exit', r));
      load.send('close');
      await gone;
    }
    await waitOrigin(origin, (o) => o === 0, 'all closed', 20000).catch(() => undefined);
    await stop(proxy);
  }
}

async function main(): Promise<void> {
  const want = Number(arg('n', '10000'));
  const settle = Number(arg('settle', '2000'));
  const heap = process.argv.includes('--heap-snapshot');
  const only = arg('only', 'haproxy,switchyard').split(',') as Who[];
  const limit = hardFdLimit();
  // Two descriptors per proxied connection, plus listeners, stdio, epoll and Node's own.
  // haproxy refuses to start when it cannot raise the fd limit to 2 x maxconn
  // plus its own ("Cannot raise FD limit to 40014, limit is 20000"): global
  // maxconn is lowered to what the hard limit holds, and N with it.
  const maxconn = Math.min(20000, Math.floor((limit - 100) / 2));
  const n = Math.min(want, maxconn);
  if (n < want) process.stderr.write(`[bench] hard fd limit ${limit} (ulimit -Hn): maxconn ${maxconn}, N lowered from ${want} to ${n} (each connection holds 2 fds in the proxy)\n`);

  const dir = mkdtempSync(join(tmpdir(), 'switchyard-idle-'));
  const origin = fork(SELF, ['--role', 'origin'], { stdio: 'inherit' });
  const results: Result[] = [];
  try {
    const { port: oport } = await ask<{ port: number }>(origin, null);
    const front = await freePort();
    const cfg = join(dir, 'idle.cfg');
    writeFileSync(cfg, [
      'global', '  nbthread 1', `  maxconn ${maxconn}`,
      'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 1h', '  timeout server 1h',
      'listen idle', '  mode tcp', `  maxconn ${maxconn}`, `  bind 127.0.0.1:${front}`, `  server o 127.0.0.1:${oport}`, '',
    ].join('\n'));
    for (const who of only) results.push(await measure(who, cfg, dir, front, origin, n, settle, heap));
  } finally {
    await stop(origin);
    rmSync(dir, { recursive: true, force: true });
  }

  const lines = [`idle-rss: ${n} idle proxied connections, mode tcp, 127.0.0.1 (node ${process.version})`, ''];
  lines.push('| proxy | RSS before (MiB) | RSS after (MiB) | per connection (KiB) | RssAnon per connection (KiB) | target |');
  lines.push('|---|---|---|---|---|---|');
  for (const r of results) {
    const per = (r.after.rss - r.before.rss) / r.n;
    const perAnon = (r.after.anon - r.before.anon) / r.n;
    const target = r.who === 'switchyard' ? `< ${TARGET_KIB} KiB: ${per < TARGET_KIB ? 'met' : 'NOT met'}` : '';
    lines.push(`| ${r.who} | ${(r.before.rss / 1024).toFixed(1)} | ${(r.after.rss / 1024).toFixed(1)} | ${per.toFixed(2)} | ${perAnon.toFixed(2)} | ${target} |`);
    if (r.errors > 0) lines.push(`(${r.who}: ${r.errors} client connections failed)`);
  }
  for (const r of results) if (r.snapshot !== undefined) lines.push(`heap snapshot with ${r.n} connections open: ${r.snapshot}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const role = arg('role', 'main');
const roles: Record<string, () => Promise<void>> = { origin: runOrigin, load: runLoad, main };
const run = roles[role];
if (run !== undefined) {
  run().catch((e: unknown) => {
    process.stderr.write(`[bench] ${role}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
