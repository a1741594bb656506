/**
 * `mode tcp` benchmark: Switchyard against /usr/sbin/haproxy (nbthread 1) in
 * the same run, rounds interleaved, on 127.0.0.1.
 *
 *   bulk-1     one stream, origin → client, as fast as possible
 *   bulk-50    50 concurrent streams, origin → client
 *   conn       new connections per second: 50 loops of connect, send 16 bytes,
 *              read the 16-byte answer, close
 *
 * Throughput is also divided by the proxy's CPU time (utime + stime from
 * /proc/<pid>/stat) so that the results mean something on a small machine
 * where the load generator and the origin compete with the proxy for cores.
 * Every role runs in its own process: origin, load generator, each proxy.
 *
 *   node dist/bench/tcp.js [--rounds 3] [--duration 2000] [--only bulk-1,conn] [--prof <dir>] [--ab]
 *
 * `--ab` runs a second Switchyard process with `SWITCHYARD_NET_SOCKET=1`
 * (the `net.Socket` data path instead of the raw handles of
 * docs/tcp-data-path.md) in the same interleaved rounds, as column
 * `switchyard-net`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel } from '../src/config/model/index.js';
import { createProxy } from '../src/config/model/proxy.js';
import { createBindTls } from '../src/config/model/bind.js';
import type { SocketAddress } from '../src/config/model/address.js';
import { serve } from '../src/proxy/serve.js';

const SELF = fileURLToPath(import.meta.url);
const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
const CLK_TCK = 100;

type Scenario = 'bulk-1' | 'bulk-50' | 'conn';
const SCENARIOS: Scenario[] = ['bulk-1', 'bulk-50', 'conn'];

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

// ---- roles run in child processes ------------------------------------------

/** Origin: port A streams bytes forever; port B answers 16 bytes and closes. */
async function runOrigin(): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const bulk = net.createServer((c) => {
    c.on('error', () => undefined);
    const pump = (): void => {
      while (!c.destroyed && c.write(chunk)) {
        /* keep writing until the socket is full */
      }
    };
    c.on('drain', pump);
    pump();
  });
  const reply = Buffer.from('0123456789abcdef');
  const conn = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', () => c.end(reply));
  });
  await Promise.all([listen(bulk), listen(conn)]);
  process.send?.({ bulk: portOf(bulk), conn: portOf(conn) });
}

/** Load generator: runs one scenario against a port, prints a JSON result. */
async function runLoad(): Promise<void> {
  const scenario = arg('scenario', 'bulk-1') as Scenario;
  const port = Number(arg('port', '0'));
  const duration = Number(arg('duration', '2000'));
  const start = performance.now();
  const end = start + duration;
  let bytes = 0;
  let conns = 0;
  let errors = 0;
  if (scenario === 'conn') {
    const req = Buffer.from('0123456789abcdef');
    const loop = (): Promise<void> =>
      new Promise((resolve) => {
        const once = (): void => {
          if (performance.now() >= end) {
            resolve();
            return;
          }
          const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
          let got = 0;
          c.on('connect', () => c.write(req));
          c.on('data', (d: Buffer) => {
            got += d.length;
          });
          c.on('error', () => {
            errors++;
          });
          c.on('close', () => {
            if (got === 16) conns++;
            else errors++;
            once();
          });
        };
        once();
      });
    await Promise.all(Array.from({ length: 50 }, loop));
  } else {
    const n = scenario === 'bulk-50' ? 50 : 1;
    await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<void>((resolve) => {
          const c = net.connect({ port, host: '127.0.0.1' });
          c.on('data', (d: Buffer) => {
            bytes += d.length;
          });
          c.on('error', () => {
            errors++;
          });
          c.on('close', () => resolve());
          setTimeout(() => c.destroy(), duration);
        }),
      ),
    );
  }
  const elapsed = (performance.now() - start) / 1000;
  process.stdout.write(`${JSON.stringify({ bytes, conns, errors, elapsed })}\n`);
}

/** Switchyard proxy, configured like the haproxy one. */
async function runSwitchyard(): Promise<void> {
  const ports = JSON.parse(arg('ports', '{}')) as Record<string, number>;
  const m = createModel(['bench']);
  const place = { file: 'bench', line: 1 };
  const inet = (port: number): SocketAddress => ({ family: 'ipv4', host: '127.0.0.1', port, portEnd: port, text: `127.0.0.1:${port}` });
  for (const name of ['bulk', 'conn']) {
    const p = createProxy('listen', name, place);
    Object.assign(p.timeouts, { client: 30000, server: 30000, connect: 5000 });
    p.binds.push({ place, text: '', addresses: [inet(ports[`${name}Front`] ?? 0)], acceptProxy: false, v4v6: false, v6only: false, ssl: false, tls: createBindTls(), options: [] });
    p.servers.push({ name: 'o', place, address: inet(ports[name] ?? 0) });
    m.proxies.push(p);
  }
  const { lifecycle } = await serve(m, { reporter: { report: () => undefined } });
  process.on('SIGTERM', () => void lifecycle.hardStop().then(() => process.exit(0)));
  process.send?.('ready');
}

// ---- orchestration ---------------------------------------------------------

function listen(s: net.Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
}

function portOf(s: net.Server): number {
  const a = s.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await listen(s);
  const p = portOf(s);
  await new Promise((r) => s.close(r));
  return p;
}

/** [user, system] CPU seconds of a process. */
function cpuSplit(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // proc(5): fields after the ")" of comm; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) / CLK_TCK, Number(f[12]) / CLK_TCK];
}

async function waitPort(port: number, deadline = Date.now() + 5000): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      // A probe connection through the proxy would reach the origin: only
      // test that the port accepts, then reset.
      const c = net.connect({ port, host: '127.0.0.1' });
      c.on('connect', () => {
        c.resetAndDestroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not listening`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

interface LoadResult {
  bytes: number;
  conns: number;
  errors: number;
  elapsed: number;
}

function load(scenario: Scenario, port: number, duration: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--role', 'load', '--scenario', scenario, '--port', String(port), '--duration', String(duration)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

interface Row {
  value: number;
  perCpu: number;
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '3'));
  const duration = Number(arg('duration', '2000'));
  const only = arg('only', '').split(',').filter((s) => s !== '');
  const scenarios = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s)) : SCENARIOS;

  const origin = fork(SELF, ['--role', 'origin'], { stdio: 'inherit' });
  const oports = await new Promise<{ bulk: number; conn: number }>((r) => origin.once('message', (m) => r(m as { bulk: number; conn: number })));
  const ports = { ...oports, bulkFront: 0, connFront: 0, hBulk: await freePort(), hConn: await freePort() };
  ports.bulkFront = await freePort();
  ports.connFront = await freePort();

  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  nbthread 1', '  maxconn 4000',
    'defaults', '  mode tcp', '  timeout client 30s', '  timeout server 30s', '  timeout connect 5s',
    'listen bulk', `  bind 127.0.0.1:${ports.hBulk}`, `  server o 127.0.0.1:${ports.bulk}`,
    'listen conn', `  bind 127.0.0.1:${ports.hConn}`, `  server o 127.0.0.1:${ports.conn}`, '',
  ].join('\n'));
  const haproxy = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  // --prof <dir>: the Switchyard process writes a V8 CPU profile there when the bench ends.
  const profDir = arg('prof', '');
  const execArgv = profDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const sy: ChildProcess = fork(SELF, ['--role', 'switchyard', '--ports', JSON.stringify(ports)], { stdio: 'inherit', execArgv });
  await new Promise<void>((r) => sy.once('message', () => r()));
  const ab = process.argv.includes('--ab');
  const netPorts = { ...ports, bulkFront: ab ? await freePort() : 0, connFront: ab ? await freePort() : 0 };
  const syNet: ChildProcess | undefined = ab
    ? fork(SELF, ['--role', 'switchyard', '--ports', JSON.stringify(netPorts)], { stdio: 'inherit', env: { ...process.env, SWITCHYARD_NET_SOCKET: '1' } })
    : undefined;
  if (syNet !== undefined) await new Promise<void>((r) => syNet.once('message', () => r()));
  type Who = 'haproxy' | 'switchyard' | 'switchyard-net';
  const contenders: Who[] = ab ? ['haproxy', 'switchyard', 'switchyard-net'] : ['haproxy', 'switchyard'];
  await Promise.all([waitPort(ports.hBulk), waitPort(ports.hConn)]);

  const results: Record<string, Record<Who, Row[]>> = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const sc of scenarios) {
        // Alternate who goes first to cancel ordering effects.
        const order = round % 2 === 0 ? contenders : [...contenders].reverse();
        for (const who of order) {
          const pid = who === 'haproxy' ? haproxy.pid! : who === 'switchyard' ? sy.pid! : syNet!.pid!;
          const sp = who === 'switchyard-net' ? netPorts : ports;
          const port = sc === 'conn' ? (who === 'haproxy' ? ports.hConn : sp.connFront) : who === 'haproxy' ? ports.hBulk : sp.bulkFront;
          const split0 = cpuSplit(pid);
          const r = await load(sc, port, duration);
          const split1 = cpuSplit(pid);
          const cpu = split1[0] + split1[1] - split0[0] - split0[1];
          if (process.argv.includes('--cpu-split')) {
            // user vs kernel time: the kernel part (connect, accept, close) is mostly the same for both proxies
            process.stderr.write(`[bench] ${who} ${sc}: user ${(split1[0] - split0[0]).toFixed(2)} s, sys ${(split1[1] - split0[1]).toFixed(2)} s\n`);
          }
          const value = sc === 'conn' ? r.conns / r.elapsed : r.bytes / r.elapsed / 1e6;
          const perCpu = sc === 'conn' ? r.conns / Math.max(cpu, 0.01) : r.bytes / Math.max(cpu, 0.01) / 1e6;
          ((results[sc] ??= { haproxy: [], switchyard: [], 'switchyard-net': [] })[who]).push({ value, perCpu });
          if (r.errors > 0) process.stderr.write(`[bench] ${who} ${sc}: ${r.errors} errors\n`);
        }
      }
    }
  } finally {
    haproxy.kill('SIGKILL');
    syNet?.kill('SIGKILL');
    if (profDir !== '') {
      // SIGTERM: the process stops itself, so V8 writes the profile.
      sy.kill('SIGTERM');
      await new Promise((r) => sy.once('exit', r));
    } else {
      sy.kill('SIGKILL');
    }
    origin.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  const unit = (sc: Scenario): string => (sc === 'conn' ? 'conn/s' : 'MB/s');
  const lines = [`tcp bench: ${rounds} rounds x ${duration} ms, medians (node ${process.version})`, ''];
  lines.push('| scenario | haproxy | switchyard | ratio | haproxy /CPU-s | switchyard /CPU-s | ratio /CPU-s |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const sc of scenarios) {
    const r = results[sc];
    if (r === undefined) continue;
    const h = median(r.haproxy.map((x) => x.value));
    const s = median(r.switchyard.map((x) => x.value));
    const hc = median(r.haproxy.map((x) => x.perCpu));
    const scpu = median(r.switchyard.map((x) => x.perCpu));
    lines.push(`| ${sc} (${unit(sc)}) | ${h.toFixed(0)} | ${s.toFixed(0)} | ${(s / h).toFixed(2)} | ${hc.toFixed(0)} | ${scpu.toFixed(0)} | ${(scpu / hc).toFixed(2)} |`);
  }
  if (ab) {
    lines.push('', 'A/B: the same Switchyard with SWITCHYARD_NET_SOCKET=1 (net.Socket data path), same rounds', '');
    lines.push('| scenario | switchyard-net | ratio | switchyard-net /CPU-s | ratio /CPU-s |');
    lines.push('|---|---|---|---|---|');
    for (const sc of scenarios) {
      const r = results[sc];
      if (r === undefined) continue;
      const h = median(r.haproxy.map((x) => x.value));
      const hc = median(r.haproxy.map((x) => x.perCpu));
      const n = median(r['switchyard-net'].map((x) => x.value));
      const nc = median(r['switchyard-net'].map((x) => x.perCpu));
      lines.push(`| ${sc} (${unit(sc)}) | ${n.toFixed(0)} | ${(n / h).toFixed(2)} | ${nc.toFixed(0)} | ${(nc / hc).toFixed(2)} |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const role = arg('role', 'main');
const roles: Record<string, () => Promise<void>> = { origin: runOrigin, load: runLoad, switchyard: runSwitchyard, main };
const run = roles[role];
if (run !== undefined) {
  run().catch((e: unknown) => {
    process.stderr.write(`[bench] ${role}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
