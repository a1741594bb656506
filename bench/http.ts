/**
 * `mode http` keep-alive benchmark: Switchyard against /usr/sbin/haproxy
 * (`nbthread 1`) and /usr/sbin/nginx (`worker_processes 1`) in front of the
 * same origin, rounds interleaved, on 127.0.0.1.
 *
 * Load: `wrk` (keep-alive, small GET requests, small responses) when it is
 * installed, else a Node keep-alive client in its own process. Printed:
 * requests/s and requests per CPU-second of the proxy process (utime + stime
 * from /proc/<pid>/stat), and the ratios to haproxy.
 *
 *   node dist/bench/http.js [--rounds 3] [--duration 3] [--conns 50] [--prof <dir>]
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpProxyRatioLine, startHttpProxyContender } from './contenders/http-proxy.js';
import { arg, cpuSeconds, freePort, waitPort } from './contenders/proc.js';

const SELF = fileURLToPath(import.meta.url);
const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
const NGINX = '/usr/sbin/nginx';

/**
 * Origin: answers every request with a 13-byte body, keep-alive, without
 * parsing more than the head end. It shares the machine with the proxy and
 * the load, so it is kept cheap: heads are counted on the Buffer (no string
 * conversion) and the replies to one read leave in one write.
 */
function runOrigin(): void {
  const reply = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 13\r\ncontent-type: text/plain\r\n\r\nhello, world\n');
  const replies: Buffer[] = [reply];
  const repliesFor = (n: number): Buffer => (replies[n - 1] ??= Buffer.concat(Array.from({ length: n }, () => reply)));
  const s = net.createServer((c) => {
    c.setNoDelay(true);
    c.on('error', () => undefined);
    // The bytes of an unfinished head (GET without body) carried to the next read.
    let tail: Buffer | undefined;
    c.on('data', (d: Buffer) => {
      const buf = tail === undefined ? d : Buffer.concat([tail, d]);
      let n = 0;
      let last = 0;
      for (let i = buf.indexOf('\r\n\r\n'); i >= 0; i = buf.indexOf('\r\n\r\n', last)) {
        n++;
        last = i + 4;
      }
      tail = last < buf.length ? buf.subarray(last) : undefined;
      if (n > 0) c.write(n <= 64 ? repliesFor(n) : Buffer.concat(Array.from({ length: n }, () => reply)));
    });
  });
  s.listen(0, '127.0.0.1', () => {
    const a = s.address() as net.AddressInfo;
    process.send?.({ port: a.port });
  });
}

/** Node keep-alive load generator (used when wrk is missing). */
async function runLoad(): Promise<void> {
  const port = Number(arg('port', '0'));
  const conns = Number(arg('conns', '50'));
  const duration = Number(arg('duration', '3')) * 1000;
  const req = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
  const end = performance.now() + duration;
  let count = 0;
  await Promise.all(Array.from({ length: conns }, () => new Promise<void>((done) => {
    const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
    c.on('connect', () => c.write(req));
    c.on('data', (d: Buffer) => {
      // Responses are small and arrive whole: one per data event is close enough; count heads.
      let i = d.indexOf('HTTP/1.1 ');
      while (i >= 0) {
        count++;
        i = d.indexOf('HTTP/1.1 ', i + 9);
      }
      if (performance.now() >= end) {
        c.destroy();
        done();
      } else c.write(req);
    });
    c.on('error', () => done());
  })));
  process.stdout.write(`${JSON.stringify({ requests: count, seconds: duration / 1000 })}\n`);
}

async function runSwitchyard(): Promise<void> {
  const cfg = arg('config', '');
  const { loadConfiguration } = await import('../src/config/loader.js');
  const { createEnvironment } = await import('../src/config/environment.js');
  const { FEATURES, HAPROXY_COMPAT_VERSION } = await import('../src/cli/version.js');
  const { hostname } = await import('node:os');
  const { serve } = await import('../src/proxy/serve.js');
  const env = createEnvironment({ cfgFiles: [cfg], localPeer: hostname(), base: {}, version: HAPROXY_COMPAT_VERSION });
  const r = loadConfiguration([cfg], { env, conditions: { env, version: HAPROXY_COMPAT_VERSION, features: FEATURES } });
  const { lifecycle } = await serve(r.model, { reporter: { report: () => undefined } });
  process.on('SIGTERM', () => void lifecycle.hardStop().then(() => process.exit(0)));
  process.send?.('ready');
}

// ---- orchestration ---------------------------------------------------------

interface Proxy { name: string; port: number; proc: ChildProcess }

async function load(port: number, duration: number, conns: number): Promise<number> {
  const hasWrk = (() => { try { execFileSync('sh', ['-c', 'command -v wrk']); return true; } catch { return false; } })();
  if (hasWrk) {
    const out = execFileSync('wrk', ['-t1', `-c${conns}`, `-d${duration}s`, `http://127.0.0.1:${port}/`], { encoding: 'latin1' });
    const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
    const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    if (errs !== null) process.stderr.write(`warning: ${errs[1]} non-2xx responses\n`);
    return m === null ? 0 : Number(m[1]);
  }
  const out = execFileSync(process.execPath, [SELF, '--role', 'load', '--port', String(port), '--duration', String(duration), '--conns', String(conns)], { encoding: 'latin1' });
  const r = JSON.parse(out) as { requests: number; seconds: number };
  return r.requests / r.seconds;
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '3'));
  const duration = Number(arg('duration', '3'));
  const conns = Number(arg('conns', '50'));
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-http-'));
  const origin = fork(SELF, ['--role', 'origin'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const oport = await new Promise<number>((r) => origin.once('message', (m: { port: number }) => r(m.port)));
  const proxies: Proxy[] = [];
  try {
    const hp = await freePort();
    const hcfg = join(dir, 'haproxy.cfg');
    const body = ['defaults', '  mode http', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
      'listen bench', `  bind 127.0.0.1:PORT`, `  server o 127.0.0.1:${oport}`, ''];
    writeFileSync(hcfg, ['global', '  nbthread 1', ...body].join('\n').replace('PORT', String(hp)));
    proxies.push({ name: 'haproxy', port: hp, proc: spawn(HAPROXY, ['-db', '-f', hcfg], { stdio: 'ignore' }) });

    const sp = await freePort();
    const scfg = join(dir, 'switchyard.cfg');
    writeFileSync(scfg, body.join('\n').replace('PORT', String(sp)));
    // --prof <dir>: the Switchyard process writes a V8 CPU profile there (node --cpu-prof).
    const prof = arg('prof', '');
    const sy = fork(SELF, ['--role', 'switchyard', '--config', scfg], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(prof !== '' ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', prof] } : {}),
    });
    await new Promise((r) => sy.once('message', r));
    proxies.push({ name: 'switchyard', port: sp, proc: sy });

    if (existsSync(NGINX)) {
      const np = await freePort();
      const ncfg = join(dir, 'nginx.conf');
      writeFileSync(ncfg, `daemon off;\nworker_processes 1;\nerror_log ${dir}/nginx-error.log;\npid ${dir}/nginx.pid;\nevents { worker_connections 1024; }\nhttp {\n access_log off;\n upstream o { server 127.0.0.1:${oport}; keepalive 64; }\n server {\n  listen 127.0.0.1:${np};\n  location / { proxy_pass http://o; proxy_http_version 1.1; proxy_set_header Connection ""; }\n }\n}\n`);
      proxies.push({ name: 'nginx', port: np, proc: spawn(NGINX, ['-p', dir, '-c', ncfg], { stdio: 'ignore' }) });
    }
    proxies.push(await startHttpProxyContender(oport)); // issue 6: the http-proxy (npm) baseline
    for (const p of proxies) await waitPort(p.port);
    // nginx runs a master and a worker: measure the worker (the master's only child).
    const pidOf = (p: Proxy): number => {
      if (p.name !== 'nginx') return p.proc.pid!;
      const kids = readFileSync(`/proc/${p.proc.pid}/task/${p.proc.pid}/children`, 'latin1').trim().split(/\s+/);
      return Number(kids[0] ?? p.proc.pid);
    };
    const results = new Map<string, { rps: number[]; perCpu: number[] }>();
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? proxies : [...proxies].reverse();
      for (const p of order) {
        const pid = pidOf(p);
        const c0 = cpuSeconds(pid);
        const rps = await load(p.port, duration, conns);
        const cpu = cpuSeconds(pid) - c0;
        const e = results.get(p.name) ?? { rps: [], perCpu: [] };
        e.rps.push(rps);
        e.perCpu.push(cpu > 0 ? (rps * duration) / cpu : 0);
        results.set(p.name, e);
      }
    }
    const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
    const h = results.get('haproxy')!;
    console.log(`keep-alive GET, ${conns} connections, ${rounds} rounds x ${duration}s (medians)`);
    console.log('| proxy | req/s | ratio | req per CPU-s | ratio /CPU-s |');
    console.log('|---|---|---|---|---|');
    for (const [name, e] of results) {
      console.log(`| ${name} | ${med(e.rps).toFixed(0)} | ${(med(e.rps) / med(h.rps)).toFixed(2)} | ${med(e.perCpu).toFixed(0)} | ${(med(e.perCpu) / med(h.perCpu)).toFixed(2)} |`);
    }
    console.log(httpProxyRatioLine(results));
  } finally {
    for (const p of proxies) p.proc.kill('SIGTERM');
    origin.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = arg('role', 'main');
if (role === 'origin') runOrigin();
else if (role === 'load') void runLoad();
else if (role === 'switchyard') void runSwitchyard();
else void main();
