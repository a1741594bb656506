/**
 * What health checks cost (issue 5, "Performance"): 1,000 servers checked
 * every 2 s must cost under 5% of one core.
 *
 * One backend with `--servers` (1,000) `server sN 127.0.0.1:<port> check
 * inter 2s` lines, spread over `--ports` (4) real listeners in this process
 * that accept each connection and close it, so every check passes. One more
 * server, the canary, points at a closed port: its DOWN line proves the
 * checks really run (haproxy resets its check connections as soon as they
 * are established, before Node accepts them, so the listeners only see
 * Switchyard's). Each proxy runs alone, one after the other, from its real
 * command line (`node bin/switchyard.js -db -f cfg`, `haproxy -db -f cfg`,
 * both with `nbthread 1`). Once the frontend listens, the CPU the process
 * uses during `--duration` (10) seconds (utime + stime from
 * /proc/<pid>/stat) is divided by the wall time: the percentage of one core.
 * Both run the same checks per second, so the ratio of the two percentages
 * (printed last, with the CPU per check) is the ratio per check.
 *
 * `--cpu-prof <dir>` runs Switchyard under `node --cpu-prof` and leaves the
 * profile there. `SWITCHYARD_CHECK_NET_SOCKET=1` in the environment makes
 * connect-only checks use net.Socket instead of the bare TCP handle
 * (src/server/checks/raw-connect.ts), to measure what the handle saves.
 *
 *   node dist/bench/check-cost.js [--duration 10] [--servers 1000] [--inter 2s] [--ports 4] [--only switchyard,haproxy] [--cpu-prof dir]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '..', '..');
const SWITCHYARD = join(ROOT, 'bin', 'switchyard.js');
const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
/** The bound, in percent of one core. */
const TARGET_PCT = 5;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

const DURATION_S = Number(arg('duration', '10'));
const SERVERS = Number(arg('servers', '1000'));
const INTER = arg('inter', '2s');
const PORTS = Number(arg('ports', '4'));
const ONLY = arg('only', 'switchyard,haproxy').split(',').filter((x) => x !== '');
/** `--cpu-prof <dir>`: run Switchyard under `node --cpu-prof` and leave the profile in <dir>. */
const PROF_DIR = arg('cpu-prof', '');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).trim()) || 100;
  } catch {
    return 100;
  }
}
const CLK_TCK = clockTicks();

/** utime and stime of `pid`, in seconds (proc(5): fields 14 and 15). */
function cpuTimes(pid: number): { user: number; sys: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { user: Number(parts[11]) / CLK_TCK, sys: Number(parts[12]) / CLK_TCK };
}

/** A listener that accepts and closes: a check target that always passes. */
interface Target {
  readonly port: number;
  readonly accepted: () => number;
  close(): Promise<void>;
}

async function target(): Promise<Target> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    n++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => n,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function config(fePort: number, targets: readonly Target[], dead: number): string {
  const lines = [
    'global', '  nbthread 1',
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe', `  bind 127.0.0.1:${fePort}`, '  default_backend be',
    'backend be',
  ];
  for (let i = 0; i < SERVERS; i++) {
    const t = targets[i % targets.length]!;
    lines.push(`  server s${i + 1} 127.0.0.1:${t.port} check inter ${INTER}`);
  }
  lines.push(`  server canary 127.0.0.1:${dead} check inter ${INTER}`, '');
  return lines.join('\n');
}

/** True once something listens on 127.0.0.1:`port` (read from /proc/net/tcp, no probe connection). */
function listening(port: number): boolean {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'latin1').split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === hex && f[3] === '0A';
  });
}

interface Measure {
  readonly name: string;
  readonly startupMs: number;
  readonly startupCpu: number;
  readonly pct: number;
  readonly userPct: number;
  readonly sysPct: number;
  readonly accepted: number;
  readonly canaryDownS: number | undefined;
  readonly downs: number;
}

async function measure(name: string, cmd: string, args: string[], fePort: number, targets: readonly Target[]): Promise<Measure> {
  const t0 = Date.now();
  const proc: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let canaryAt: number | undefined;
  const onOut = (d: Buffer): void => {
    out += d.toString('latin1');
    if (canaryAt === undefined && /Server be\/canary is DOWN/.test(out)) canaryAt = Date.now();
  };
  proc.stdout?.on('data', onOut);
  proc.stderr?.on('data', onOut);
  let exited = false;
  const gone = new Promise<void>((r) => proc.once('exit', () => {
    exited = true;
    r();
  }));
  try {
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`${name}: not started`);
    while (!listening(fePort)) {
      if (exited || Date.now() - t0 > 30_000) throw new Error(`${name} did not start:\n${out}`);
      await sleep(20);
    }
    const ready = Date.now();
    const cpu0 = cpuTimes(pid);
    const acc0 = targets.reduce((a, t) => a + t.accepted(), 0);
    await sleep(DURATION_S * 1000);
    const cpu1 = cpuTimes(pid);
    const wall = (Date.now() - ready) / 1000;
    const acc1 = targets.reduce((a, t) => a + t.accepted(), 0);
    if (exited) throw new Error(`${name} exited during the run:\n${out}`);
    const downs = (out.match(/Server be\/s\d+ is DOWN/g) ?? []).length;
    return {
      name,
      startupMs: ready - t0,
      startupCpu: cpu0.user + cpu0.sys,
      pct: ((cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / wall) * 100,
      userPct: ((cpu1.user - cpu0.user) / wall) * 100,
      sysPct: ((cpu1.sys - cpu0.sys) / wall) * 100,
      accepted: acc1 - acc0,
      canaryDownS: canaryAt === undefined ? undefined : (canaryAt - ready) / 1000,
      downs,
    };
  } finally {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, 3000);
      await gone;
      clearTimeout(t);
    }
  }
}

async function freePort(): Promise<number> {
  return deadPort();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-checks-'));
  const targets: Target[] = [];
  const results: Measure[] = [];
  try {
    for (let i = 0; i < PORTS; i++) targets.push(await target());
    const dead = await deadPort();
    for (const name of ONLY) {
      const fe = await freePort();
      const cfg = join(dir, `${name}.cfg`);
      writeFileSync(cfg, config(fe, targets, dead));
      if (name === 'haproxy') {
        if (!existsSync(HAPROXY)) {
          process.stdout.write(`haproxy: ${HAPROXY} not installed, skipped\n`);
          continue;
        }
        results.push(await measure(name, HAPROXY, ['-db', '-f', cfg], fe, targets));
      } else if (name === 'switchyard') {
        const prof = PROF_DIR === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(PROF_DIR)}`];
        results.push(await measure(name, process.execPath, [...prof, SWITCHYARD, '-db', '-f', cfg], fe, targets));
      } else {
        throw new Error(`unknown proxy ${name}`);
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.close()));
    rmSync(dir, { recursive: true, force: true });
  }

  const interS = Number.parseFloat(INTER) / (INTER.endsWith('ms') ? 1000 : 1);
  process.stdout.write(`${SERVERS} servers + 1 canary, check inter ${INTER} (${(SERVERS / interS).toFixed(0)} checks/s expected), ${DURATION_S} s measured after start-up, target < ${TARGET_PCT}% of one core\n\n`);
  process.stdout.write('| proxy | start-up (ms) | start-up CPU-s | CPU % of one core | user % | sys % | checks accepted/s | canary DOWN after (s) | other DOWN | verdict |\n');
  process.stdout.write('|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    const rate = r.name === 'haproxy' ? 'n/a (RST before accept)' : (r.accepted / DURATION_S).toFixed(0);
    const canary = r.canaryDownS === undefined ? 'never' : r.canaryDownS.toFixed(1);
    const verdict = r.downs > 0 || r.canaryDownS === undefined ? 'invalid run' : r.pct < TARGET_PCT ? 'ok' : 'over target';
    process.stdout.write(`| ${r.name} | ${r.startupMs} | ${r.startupCpu.toFixed(2)} | ${r.pct.toFixed(2)} | ${r.userPct.toFixed(2)} | ${r.sysPct.toFixed(2)} | ${rate} | ${canary} | ${r.downs} | ${verdict} |\n`);
  }
  // CPU per check: the same checks per second run in both, so the ratio of CPU shares is the ratio per check.
  const checksPerS = SERVERS / interS;
  const sy = results.find((r) => r.name === 'switchyard');
  const ha = results.find((r) => r.name === 'haproxy');
  process.stdout.write('\n');
  for (const r of [sy, ha]) {
    if (r !== undefined) process.stdout.write(`${r.name}: ${((r.pct / 100) * 1e6 / checksPerS).toFixed(1)} µs of CPU per check\n`);
  }
  if (sy !== undefined && ha !== undefined && ha.pct > 0) {
    process.stdout.write(`switchyard / haproxy CPU: ${(sy.pct / ha.pct).toFixed(2)} (user ${(sy.userPct / Math.max(ha.userPct, 0.01)).toFixed(2)}, sys ${(sy.sysPct / Math.max(ha.sysPct, 0.01)).toFixed(2)})\n`);
  }
}

await main();
