/**
 * Latency added by the proxy at half of its maximum rate (issue 6: p99 under
 * 2 ms), for Switchyard, /usr/sbin/haproxy (`nbthread 1`) and /usr/sbin/nginx
 * (`worker_processes 1`) in front of the same origin on 127.0.0.1.
 *
 * For each proxy: its maximum keep-alive rate is measured first (short, `wrk
 * -t1 -c50`, or a closed-loop Node client when wrk is missing); then an
 * open-loop Node client drives half that rate, on a fixed schedule, once
 * straight to the origin and once through the proxy (order alternating).
 * Latency is taken from each request's scheduled time (so a stall that delays
 * later sends is counted, as wrk2 does) to the end of its response; the
 * "added" figures are the proxy's percentiles minus the direct ones at the
 * same rate. Pipelining is off: a connection carries one request at a time,
 * a request due while all connections are busy waits in the client.
 *
 * With `--pin` (the default when taskset exists and there are at least two
 * CPUs) the proxy under test runs alone on the last CPU and the load
 * generator, the origin and the idle contenders on the others: on a 2-core
 * machine three busy processes otherwise share two cores, and the kernel's
 * time slices (several ms) then dominate every proxy's p99, nginx's and
 * haproxy's included. `--pin 0` measures the unpinned machine.
 *
 *   node dist/bench/http-latency.js [--duration 4] [--max-duration 2] [--conns 16]
 *     [--rounds 1] [--warmup 0.5] [--rate <req/s>] [--tick-us 100] [--pin 1]
 *     [--only switchyard,haproxy,nginx,http-proxy]
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startHttpProxyContender } from './contenders/http-proxy.js';
import { startOrigin, type Origin } from './contenders/origin.js';
import { arg, hasCommand, median, quantile, runRole } from './contenders/proc.js';
import { startHaproxy, startNginx, startSwitchyard, stopContender, type Contender } from './contenders/proxies.js';

const SELF = fileURLToPath(import.meta.url);
/** Issue 6's bound on the p99 latency the proxy adds, in microseconds. */
const TARGET_P99_US = 2000;

/** Percentiles in microseconds. */
interface Percentiles { p50: number; p99: number; p999: number; max: number }

/** What one client run reports. */
interface ClientResult {
  rate: number;
  /** Responses completed per second inside the measured window (below `rate` when the target cannot keep up). */
  achieved: number;
  measured: number;
  errors: number;
  /** Requests never answered before the client gave up. */
  lost: number;
  /** From the scheduled send time to the end of the response. */
  sched: Percentiles;
  /** From the actual write to the end of the response. */
  wire: Percentiles;
  /**
   * Longest gap between two ticks of the client's clock inside the window
   * (ms): when it is far above the tick, the client itself was not running
   * (a busy or stalled machine) and the percentiles above it mean little.
   */
  maxGapMs: number;
}

// ---- the load generator (its own process) ----------------------------------

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CL_LOWER = Buffer.from('\r\ncontent-length:');
const CL_TITLE = Buffer.from('\r\nContent-Length:');

/** Content-Length of the head ending at `end` (0 when absent), without building strings: this runs per response. */
function contentLength(b: Buffer, end: number): number {
  let i = b.indexOf(CL_LOWER);
  if (i < 0 || i > end) i = b.indexOf(CL_TITLE);
  if (i < 0 || i > end) {
    // Any other spelling: the slow way.
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(b.toString('latin1', 0, end));
    return m === null ? 0 : Number(m[1]);
  }
  let n = 0;
  for (let j = i + CL_LOWER.length; j < end; j++) {
    const c = b[j]!;
    if (c >= 0x30 && c <= 0x39) n = n * 10 + c - 0x30;
    else if (c !== 0x20 && c !== 0x09) break;
  }
  return n;
}

interface Conn { sock: net.Socket | null; busy: boolean; intended: number; sentAt: number; acc: Buffer | null; need: number }

/**
 * The schedule's clock. Node's timers have 1 ms granularity, which would send
 * a millisecond's worth of requests in one burst (and count up to 1 ms of the
 * client's own lateness); a worker thread sleeping `tickUs` at a time with
 * Atomics.wait wakes the event loop about every 0.2 ms instead (it costs the
 * client about 20 % of a core). Returns a stop function.
 */
function startTicker(tickUs: number, onTick: () => void): () => void {
  if (tickUs <= 0) {
    const t = setInterval(onTick, 1);
    return () => clearInterval(t);
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const code = `const { parentPort, workerData } = require('node:worker_threads');
const f = workerData.flag;
while (Atomics.load(f, 0) === 0) { Atomics.wait(f, 0, 0, workerData.ms); parentPort.postMessage(0); }`;
  const w = new Worker(code, { eval: true, workerData: { flag, ms: tickUs / 1000 } });
  w.on('message', onTick);
  return () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    w.removeAllListeners('message');
    void w.terminate();
  };
}

/**
 * Open-loop (rate > 0) or closed-loop (rate = 0) keep-alive GET client.
 * Request k is due at t0 + k / rate; due requests go out on the first free
 * connection, on each tick and whenever a response frees a connection. A
 * connection the server closes (nginx after `keepalive_requests`) is
 * reopened; a request it carried counts as an error.
 */
async function runClient(): Promise<void> {
  const port = Number(arg('port', '0'));
  const rate = Number(arg('rate', '0'));
  const conns = Number(arg('conns', '16'));
  const durationMs = Number(arg('duration', '4')) * 1000;
  const warmupMs = Number(arg('warmup', '0.5')) * 1000;
  const tickUs = Number(arg('tick-us', '100'));
  const req = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
  const cap = rate > 0 ? Math.ceil((rate * durationMs) / 1000) + 16 : 4_000_000;
  const sched = new Float64Array(cap);
  const wire = new Float64Array(cap);
  let measured = 0;
  let inWindow = 0; // responses completed inside the measured window
  let errors = 0;
  let finished = false;
  let finish: () => void = () => undefined;
  const over = new Promise<void>((r) => { finish = r; });
  const free: Conn[] = [];
  let sent = 0; // requests written (request k is due at t0 + k * period)
  let done = 0;
  let t0 = Infinity;
  let tMeasure = Infinity;
  let tEnd = Infinity;
  const period = rate > 0 ? 1000 / rate : 0;

  const send = (c: Conn, intended: number): void => {
    c.busy = true;
    c.intended = intended;
    c.sentAt = performance.now();
    sent++;
    c.sock!.write(req);
  };
  const pump = (): void => {
    const now = performance.now();
    if (rate === 0) {
      while (now < tEnd && free.length > 0) send(free.pop()!, now);
      return;
    }
    while (free.length > 0) {
      const due = t0 + sent * period;
      if (due > now || due >= tEnd) break;
      send(free.pop()!, due);
    }
  };
  const complete = (c: Conn, ok: boolean): void => {
    const now = performance.now();
    c.busy = false;
    done++;
    if (now >= tMeasure && now < tEnd) inWindow++;
    if (!ok) errors++;
    else if (c.intended >= tMeasure && c.intended < tEnd && measured < cap) {
      sched[measured] = (now - c.intended) * 1000;
      wire[measured] = (now - c.sentAt) * 1000;
      measured++;
    }
    if (c.sock !== null) free.push(c);
    pump();
    if (now >= tEnd && done === sent) finish();
  };
  const open = (c: Conn, onUp: () => void): void => {
    const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
    c.acc = null;
    c.need = -1;
    sock.on('error', () => undefined);
    sock.once('connect', () => {
      c.sock = sock;
      onUp();
    });
    sock.once('close', () => {
      c.sock = null;
      const i = free.indexOf(c);
      if (i >= 0) free.splice(i, 1);
      if (finished) return;
      if (c.busy) complete(c, false);
      open(c, () => { free.push(c); pump(); });
    });
    sock.on('data', (d: Buffer) => {
      c.acc = c.acc === null ? d : Buffer.concat([c.acc, d]);
      for (;;) {
        const acc: Buffer = c.acc;
        if (c.need < 0) {
          const e = acc.indexOf(CRLFCRLF);
          if (e < 0) return;
          c.need = e + 4 + contentLength(acc, e);
          // "HTTP/1.1 200": the status code is bytes 9..11.
          if (acc[9] !== 0x32 || acc[10] !== 0x30 || acc[11] !== 0x30) errors++;
        }
        if (acc.length < c.need) return;
        const rest = acc.length > c.need ? acc.subarray(c.need) : null;
        c.acc = null;
        c.need = -1;
        complete(c, true);
        if (rest === null) return;
        c.acc = rest;
      }
    });
  };
  await Promise.all(Array.from({ length: conns }, () => new Promise<void>((resolve) => {
    const c: Conn = { sock: null, busy: false, intended: 0, sentAt: 0, acc: null, need: -1 };
    open(c, () => { free.push(c); resolve(); });
  })));
  t0 = performance.now() + 20;
  tMeasure = t0 + warmupMs;
  tEnd = tMeasure + durationMs;
  let lastTick = performance.now();
  let maxGapMs = 0;
  const stopTicker = startTicker(tickUs, () => {
    if (finished) return;
    const now = performance.now();
    if (now > tMeasure && now < tEnd) maxGapMs = Math.max(maxGapMs, now - lastTick);
    lastTick = now;
    pump();
    if (performance.now() >= tEnd && done === sent) finish();
  });
  const giveUp = setTimeout(finish, tEnd - performance.now() + 2000);
  await over;
  finished = true;
  stopTicker();
  clearTimeout(giveUp);
  for (let i = free.length - 1; i >= 0; i--) free[i]!.sock?.destroy();
  const pct = (a: Float64Array): Percentiles => {
    const s = a.subarray(0, measured).sort();
    return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), p999: quantile(s, 0.999), max: s[s.length - 1] ?? NaN };
  };
  const r: ClientResult = {
    rate, achieved: (inWindow * 1000) / durationMs, measured, errors, lost: sent - done, sched: pct(sched), wire: pct(wire), maxGapMs,
  };
  process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
}

// ---- orchestration -----------------------------------------------------------

function client(port: number, rate: number, durationS: number, conns: number, warmupS: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const p = fork(SELF, ['--role', 'client', '--port', String(port), '--rate', String(rate), '--duration', String(durationS),
      '--conns', String(conns), '--warmup', String(warmupS), '--tick-us', arg('tick-us', '100')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    p.once('exit', (code) => {
      try { resolve(JSON.parse(out) as ClientResult); } catch { reject(new Error(`load client failed (${code}): ${out}`)); }
    });
  });
}

/** Maximum keep-alive requests/s through `port` (wrk when installed, else the Node client closed-loop). */
async function maxRate(port: number, durationS: number): Promise<number> {
  if (hasCommand('wrk')) {
    const out = execFileSync('wrk', ['-t1', '-c50', `-d${durationS}s`, `http://127.0.0.1:${port}/`], { encoding: 'latin1' });
    const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
    return m === null ? 0 : Number(m[1]);
  }
  return (await client(port, 0, durationS, 50, 0.2)).achieved;
}

/**
 * The p99 verdict. A run that did not keep the schedule says so instead: when
 * even the direct run fell behind, the load generator and origin (sharing the
 * cores) were the bottleneck and the figures say nothing about the proxy.
 */
function verdict(rate: number, direct: ClientResult[], through: ClientResult[], added99: number, gapMs: number): string {
  const behind = (rs: ClientResult[]): boolean => median(rs.map((r) => r.achieved)) < rate * 0.97;
  // A client that did not run for 10 ms saw the whole machine stall (other jobs on the cores).
  const noisy = gapMs > 10 ? ` (noisy: the client stalled ${gapMs.toFixed(0)} ms)` : '';
  if (behind(direct)) return `n/a: client or origin saturated, lower --rate${noisy}`;
  if (behind(through)) return `NOT met: fell behind the schedule${noisy}`;
  return `${added99 < TARGET_P99_US ? 'met' : 'NOT met'}${noisy}`;
}

/** Moves every thread of `pid` (and its future children) to `cpus` (a taskset list). */
function pin(pid: number, cpus: string): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) execFileSync('taskset', ['-cp', cpus, tid], { stdio: 'ignore' });
}

function ms(us: number): string {
  return (us / 1000).toFixed(3);
}

async function main(): Promise<void> {
  const duration = Number(arg('duration', '4'));
  const maxDuration = Number(arg('max-duration', '2'));
  const conns = Number(arg('conns', '16'));
  const rounds = Number(arg('rounds', '1'));
  const warmup = Number(arg('warmup', '0.5'));
  const fixedRate = Number(arg('rate', '0'));
  const only = arg('only', 'switchyard,haproxy,nginx').split(',');
  const cpus = availableParallelism();
  const pinned = arg('pin', cpus >= 2 && hasCommand('taskset') ? '1' : '0') === '1';
  const proxyCpu = String(cpus - 1);
  const loadCpus = cpus > 2 ? `0-${cpus - 2}` : '0';
  // Everything forked from here (origin, clients, contenders) starts on the load CPUs.
  if (pinned) pin(process.pid, loadCpus);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-latency-'));
  let origin: Origin | undefined;
  const contenders: Contender[] = [];
  try {
    origin = await startOrigin('small');
    const setup = { dir, originPort: origin.port };
    for (const name of only) {
      if (name === 'switchyard') contenders.push(await startSwitchyard(setup));
      else if (name === 'haproxy') contenders.push(await startHaproxy(setup));
      else if (name === 'nginx') {
        const n = await startNginx(setup);
        if (n !== undefined) contenders.push(n);
        else process.stderr.write('[bench] nginx not installed: skipped\n');
      } else if (name === 'http-proxy') contenders.push(await startHttpProxyContender(origin.port));
      else throw new Error(`unknown contender ${name}`);
    }
    const rows: string[] = [];
    for (const [k, c] of contenders.entries()) {
      if (pinned) pin(c.pid, proxyCpu);
      const max = await maxRate(c.port, maxDuration);
      const rate = Math.max(1, Math.round(fixedRate > 0 ? fixedRate : max / 2));
      const direct: ClientResult[] = [];
      const through: ClientResult[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first so that neither always runs on a warmer machine.
        const directFirst = (round + k) % 2 === 0;
        for (const viaProxy of directFirst ? [false, true] : [true, false]) {
          const r = await client(viaProxy ? c.port : origin.port, rate, duration, conns, warmup);
          (viaProxy ? through : direct).push(r);
          if (r.achieved < rate * 0.95) process.stderr.write(`[bench] ${c.name}${viaProxy ? '' : ' (direct)'}: achieved ${r.achieved.toFixed(0)} of ${rate} req/s\n`);
          if (r.errors > 0 || r.lost > 0) process.stderr.write(`[bench] ${c.name}${viaProxy ? '' : ' (direct)'}: ${r.errors} errors, ${r.lost} unanswered\n`);
        }
      }
      const m = (rs: ClientResult[], f: (r: ClientResult) => number): number => median(rs.map(f));
      const d50 = m(direct, (r) => r.sched.p50), d99 = m(direct, (r) => r.sched.p99), d999 = m(direct, (r) => r.sched.p999);
      const p50 = m(through, (r) => r.sched.p50), p99 = m(through, (r) => r.sched.p99), p999 = m(through, (r) => r.sched.p999);
      const w99 = m(through, (r) => r.wire.p99) - m(direct, (r) => r.wire.p99);
      const added99 = p99 - d99;
      const gap = Math.max(...direct.map((r) => r.maxGapMs), ...through.map((r) => r.maxGapMs));
      if (pinned) pin(c.pid, loadCpus);
      rows.push(`| ${c.name} | ${max.toFixed(0)} | ${rate} | ${m(through, (r) => r.achieved).toFixed(0)} | ${ms(d50)} / ${ms(d99)} / ${ms(d999)} | ${ms(p50)} / ${ms(p99)} / ${ms(p999)} | ${ms(p50 - d50)} | ${ms(added99)} | ${ms(p999 - d999)} | ${ms(w99)} | ${gap.toFixed(1)} | ${verdict(rate, direct, through, added99, gap)} |`);
    }
    const where = pinned ? `; proxy pinned to CPU ${proxyCpu}, load generator and origin to CPU ${loadCpus}` : '; nothing pinned';
    console.log(`open-loop keep-alive GET at half of each proxy's max rate, ${conns} connections, ${rounds} round(s) x ${duration}s (+${warmup}s warm-up)${where}; latencies in ms`);
    console.log('| proxy | max req/s | rate | achieved | direct p50 / p99 / p99.9 | via proxy p50 / p99 / p99.9 | added p50 | added p99 | added p99.9 | added p99 on the wire | client max gap | p99 < 2 ms |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    for (const c of contenders) await stopContender(c);
    if (origin !== undefined) await stopContender(origin);
    rmSync(dir, { recursive: true, force: true });
  }
}

runRole(main, { client: runClient });
