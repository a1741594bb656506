/**
 * Process plumbing shared by the HTTP benchmarks: command-line flags, free
 * ports, waiting for a listener, CPU and RSS of a process from /proc, and
 * order statistics. No proxy logic here.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file compiles to dist/bench/contenders/proc.js). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** proc(5): utime and stime are in clock ticks, USER_HZ = 100 on Linux. */
const CLK_TCK = 100;

/** Value of `--name <value>` on the command line, or `def`. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

/** CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // proc(5): fields after the parenthesised comm; utime and stime are fields 14 and 15.
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) / CLK_TCK;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or -1 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+) kB/.exec(s);
    return m === null ? -1 : Number(m[1]) * 1024;
  } catch {
    return -1;
  }
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Resolves once 127.0.0.1:port accepts a connection (throws after about 10 s). */
export async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect({ port, host: '127.0.0.1' });
      c.on('connect', () => { c.destroy(); r(true); });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never listened`);
}

/** Median of a list (upper median for even lengths; 0 when empty). */
export function median(a: readonly number[]): number {
  return [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
}

/** The q-quantile (0..1) of an ascending-sorted array, nearest-rank. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** `true` when the executable is on PATH (or is an existing absolute path). */
export function hasCommand(cmd: string): boolean {
  const dirs = cmd.includes('/') ? [''] : (process.env['PATH'] ?? '').split(':').map((d) => `${d}/`);
  for (const d of dirs) {
    try { accessSync(`${d}${cmd}`, constants.X_OK); return true; } catch { /* next */ }
  }
  return false;
}

/**
 * Entry point of a benchmark that re-runs itself in helper roles: runs
 * `roles[--role]` when the command line names one, else `main`, whose
 * failure is printed as `[bench] <message>` with exit code 1.
 */
export function runRole(main: () => Promise<void>, roles: Readonly<Record<string, () => unknown>> = {}): void {
  const run = roles[arg('role', 'main')];
  if (run !== undefined) {
    void run();
    return;
  }
  main().catch((e: unknown) => {
    process.stderr.write(`[bench] ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
