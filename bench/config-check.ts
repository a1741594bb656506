/**
 * `switchyard -c` on a generated configuration with 1,000 backends of 10
 * servers each (issue #3: under 1 s). Prints the wall time of the whole
 * command, best of a few runs, beside haproxy's on the same file.
 *
 *   npm run build && node dist/bench/config-check.js [backends] [servers]
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const backends = Number(process.argv[2] ?? 1000);
const servers = Number(process.argv[3] ?? 10);
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

function generate(): string {
  const lines = [
    'global', '    maxconn 10000',
    'defaults', '    mode http', '    timeout connect 5s', '    timeout client 30s', '    timeout server 30s',
    'frontend fe', '    bind 127.0.0.1:18080',
  ];
  for (let b = 0; b < backends; b++) lines.push(`    use_backend be${b} if { path_beg /b${b}/ }`);
  lines.push('    default_backend be0');
  for (let b = 0; b < backends; b++) {
    lines.push(`backend be${b}`, '    balance roundrobin');
    for (let s = 0; s < servers; s++) {
      lines.push(`    server s${s} 127.${(b >> 8) & 255}.${b & 255}.${s + 1}:80 check inter 2s weight ${1 + (s % 5)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function time(cmd: string, args: string[]): { ms: number; code: number | null; err: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, code: r.status, err: r.stderr.slice(0, 400) };
}

const dir = mkdtempSync(join(tmpdir(), 'sy-bench-cfg-'));
try {
  const file = join(dir, 'big.cfg');
  writeFileSync(file, generate());
  const rounds = 5;
  const results: Record<string, number[]> = { switchyard: [], haproxy: [] };
  for (let i = 0; i < rounds; i++) {
    const s = time(process.execPath, [join(root, 'bin', 'switchyard.js'), '-c', '-q', '-f', file]);
    if (s.code !== 0) throw new Error(`switchyard -c failed (${s.code}): ${s.err}`);
    results.switchyard!.push(s.ms);
    const h = time('haproxy', ['-c', '-q', '-f', file]);
    if (h.code === 0) results.haproxy!.push(h.ms);
  }
  const best = (a: number[]) => (a.length ? Math.min(...a) : NaN);
  console.log(`config check, ${backends} backends x ${servers} servers (${backends * (servers + 2) + 10} lines), best of ${rounds}:`);
  console.log(`  switchyard -c : ${best(results.switchyard!).toFixed(0)} ms  (target < 1000 ms)`);
  console.log(`  haproxy -c    : ${best(results.haproxy!).toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
