/**
 * Bulk transfers through the proxy (issue 6: a 1 GiB upload and a 1 GiB
 * download stream through with RSS growth under 64 MiB).
 *
 * An origin process discards uploaded bodies (answering the byte count it
 * got) and generates downloads; a client process POSTs `--size` MiB with a
 * Content-Length and chunked, and GETs the same amount with a Content-Length
 * and chunked, through Switchyard and haproxy (`nbthread 1`), and straight
 * to the origin for reference. The proxy's VmRSS is sampled from /proc every
 * `--sample-ms` ms during each transfer; printed are the throughput, the CPU
 * the proxy used (utime + stime), its RSS before and the largest growth seen.
 * Every transfer is checked end to end (byte counts), so a proxy that loses
 * or truncates data shows as failed rather than fast.
 *
 *   node dist/bench/http-bulk.js [--size 1024] [--rounds 1] [--sample-ms 100] [--timeout 60]
 *     [--only direct,switchyard,haproxy,nginx] [--scenarios upload-cl,upload-chunked,download-cl,download-chunked]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChunkedDecoder } from './contenders/chunked-decoder.js';
import { startOrigin, type Origin } from './contenders/origin.js';
import { arg, cpuSeconds, median, rssBytes, runRole } from './contenders/proc.js';
import { startHaproxy, startNginx, startSwitchyard, stopContender, type Contender } from './contenders/proxies.js';

const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;
/** Issue 6's bound on the proxy's RSS growth during one transfer. */
const TARGET_RSS_GROWTH = 64 * MiB;
const PIECE = 64 * 1024;
const SCENARIOS = ['upload-cl', 'upload-chunked', 'download-cl', 'download-chunked'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** What one client run reports. */
interface Transfer { ok: boolean; seconds: number; payload: number; detail: string }

// ---- the client (its own process) ------------------------------------------------

/** Reads one response head from `sock`, then hands the bytes after it to `onBody` until it returns true. */
function readResponse(sock: net.Socket, onHead: (head: string) => void, onBody: (d: Buffer, off: number) => boolean): void {
  let head: Buffer | null = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    let off = 0;
    if (head !== null) {
      head = Buffer.concat([head, d]);
      const e = head.indexOf('\r\n\r\n');
      if (e < 0) return;
      d = head;
      off = e + 4;
      onHead(head.toString('latin1', 0, e));
      head = null;
    }
    if (onBody(d, off)) sock.destroy();
  });
}

/** Runs one transfer and prints its result as JSON. */
async function runClient(): Promise<void> {
  const port = Number(arg('port', '0'));
  const mode = arg('mode', 'upload-cl') as Scenario;
  const size = Number(arg('size', '1024')) * MiB;
  const timeoutMs = Number(arg('timeout', '60')) * 1000;
  const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const t0 = performance.now();
  const result = await new Promise<Transfer>((resolve) => {
    const end = (ok: boolean, payload: number, detail: string): void => resolve({ ok, seconds: (performance.now() - t0) / 1000, payload, detail });
    const timer = setTimeout(() => end(false, 0, `timeout after ${timeoutMs / 1000} s`), timeoutMs);
    sock.on('error', (e) => end(false, 0, e.message));
    sock.on('close', () => end(false, 0, 'connection closed early'));
    let status = '';
    let clLeft = -1;
    let got = 0;
    let decoder: ChunkedDecoder | null = null;
    const onHead = (h: string): void => {
      status = h.slice(0, h.indexOf('\r\n'));
      if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(h)) decoder = new ChunkedDecoder();
      else clLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(h)?.[1] ?? '0');
    };
    if (mode.startsWith('upload')) {
      // The response body is the decimal count of bytes the origin received.
      let text = '';
      readResponse(sock, onHead, (d, off) => {
        const s = d.toString('latin1', off);
        if (decoder !== null) {
          // Tiny chunked answer (a proxy may re-chunk): keep the payload text.
          const dec: ChunkedDecoder = decoder;
          const fin = dec.feed(d, off);
          text += s.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n|\r\n0\r\n\r\n$/gi, '');
          if (fin < 0) return false;
        } else {
          text += s;
          if (text.length < clLeft) return false;
        }
        clearTimeout(timer);
        const n = Number(text.trim());
        end(status.includes(' 200') && n === size, n, `${status}; origin received ${n} bytes`);
        return true;
      });
      const chunked = mode === 'upload-chunked';
      sock.write(`POST /upload HTTP/1.1\r\nhost: bench\r\ncontent-type: application/octet-stream\r\n${chunked ? 'transfer-encoding: chunked' : `content-length: ${size}`}\r\n\r\n`);
      const data = Buffer.alloc(PIECE, 'u');
      const framed = Buffer.concat([Buffer.from(`${PIECE.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
      let left = size;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(PIECE, left);
          left -= n;
          const piece = n === PIECE ? (chunked ? framed : data)
            : chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data.subarray(0, n), Buffer.from('\r\n')]) : data.subarray(0, n);
          if (!sock.write(piece)) {
            sock.once('drain', pump);
            return;
          }
        }
        if (chunked) sock.write('0\r\n\r\n');
      };
      pump();
    } else {
      readResponse(sock, onHead, (d, off) => {
        if (decoder !== null) {
          const dec: ChunkedDecoder = decoder;
          const fin = dec.feed(d, off);
          got = dec.payload;
          if (fin < 0) return false;
        } else {
          got += d.length - off;
          if (got < clLeft) return false;
        }
        clearTimeout(timer);
        end(status.includes(' 200') && got === size, got, `${status}; received ${got} bytes`);
        return true;
      });
      sock.write(`GET /${size}${mode === 'download-chunked' ? '?chunked' : ''} HTTP/1.1\r\nhost: bench\r\n\r\n`);
    }
  });
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

// ---- orchestration -----------------------------------------------------------------

function transfer(port: number, mode: Scenario, sizeMiB: number, timeoutS: number): Promise<Transfer> {
  return new Promise((resolve) => {
    const p = fork(SELF, ['--role', 'client', '--port', String(port), '--mode', mode, '--size', String(sizeMiB), '--timeout', String(timeoutS)],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    p.once('exit', (code) => {
      try { resolve(JSON.parse(out) as Transfer); } catch { resolve({ ok: false, seconds: 0, payload: 0, detail: `client exited (${code})` }); }
    });
  });
}

interface Row { mibs: number[]; cpu: number[]; before: number[]; growth: number[]; failures: string[] }

async function main(): Promise<void> {
  const sizeMiB = Number(arg('size', '1024'));
  const rounds = Number(arg('rounds', '1'));
  const sampleMs = Number(arg('sample-ms', '100'));
  const timeoutS = Number(arg('timeout', '60'));
  const only = arg('only', 'direct,switchyard,haproxy').split(',');
  const scenarios = arg('scenarios', SCENARIOS.join(',')).split(',') as Scenario[];
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-bulk-'));
  let origin: Origin | undefined;
  const targets: Array<Contender | { name: 'direct'; port: number; pid: 0 }> = [];
  try {
    origin = await startOrigin('bulk');
    const setup = { dir, originPort: origin.port, bulk: true };
    for (const name of only) {
      if (name === 'direct') targets.push({ name: 'direct', port: origin.port, pid: 0 });
      else if (name === 'switchyard') targets.push(await startSwitchyard(setup));
      else if (name === 'haproxy') targets.push(await startHaproxy(setup));
      else if (name === 'nginx') {
        const n = await startNginx(setup);
        if (n !== undefined) targets.push(n);
      } else throw new Error(`unknown contender ${name}`);
    }
    const rows = new Map<string, Row>();
    for (let round = 0; round < rounds; round++) {
      for (const scenario of scenarios) {
        // Alternate the order of the proxies from one run to the next.
        const order = (round + scenarios.indexOf(scenario)) % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) {
          const key = `${scenario}|${t.name}`;
          const row = rows.get(key) ?? { mibs: [], cpu: [], before: [], growth: [], failures: [] };
          rows.set(key, row);
          const before = t.pid > 0 ? rssBytes(t.pid) : 0;
          let peak = before;
          const sampler = setInterval(() => { if (t.pid > 0) peak = Math.max(peak, rssBytes(t.pid)); }, sampleMs);
          const c0 = t.pid > 0 ? cpuSeconds(t.pid) : 0;
          const r = await transfer(t.port, scenario, sizeMiB, timeoutS);
          clearInterval(sampler);
          if (t.pid > 0) peak = Math.max(peak, rssBytes(t.pid));
          if (!r.ok) {
            row.failures.push(r.detail);
            process.stderr.write(`[bench] ${scenario} via ${t.name}: FAILED: ${r.detail}\n`);
            continue;
          }
          row.mibs.push((r.payload / MiB) / r.seconds);
          row.cpu.push(t.pid > 0 ? cpuSeconds(t.pid) - c0 : NaN);
          row.before.push(before);
          row.growth.push(peak - before);
        }
      }
    }
    console.log(`${sizeMiB} MiB per transfer, ${rounds} round(s), RSS sampled every ${sampleMs} ms (medians; growth = max VmRSS during the transfer - VmRSS before it)`);
    console.log('| scenario | proxy | MiB/s | proxy CPU-s | RSS before (MiB) | max RSS growth (MiB) | growth < 64 MiB |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [key, r] of rows) {
      const [scenario, name] = key.split('|');
      if (r.mibs.length === 0) {
        console.log(`| ${scenario} | ${name} | failed | | | | ${r.failures[0] ?? ''} |`);
        continue;
      }
      const direct = name === 'direct';
      const growth = median(r.growth);
      const verdict = direct ? '' : `${growth < TARGET_RSS_GROWTH ? 'met' : 'NOT met'}${r.failures.length > 0 ? ` (${r.failures.length} failed)` : ''}`;
      console.log(`| ${scenario} | ${name} | ${median(r.mibs).toFixed(0)} | ${direct ? '' : median(r.cpu).toFixed(2)} | ${direct ? '' : (median(r.before) / MiB).toFixed(1)} | ${direct ? '' : (growth / MiB).toFixed(1)} | ${verdict} |`);
    }
  } finally {
    for (const t of targets) if (t.name !== 'direct') await stopContender(t as Contender);
    if (origin !== undefined) await stopContender(origin);
    rmSync(dir, { recursive: true, force: true });
  }
}

runRole(main, { client: runClient });
