/**
 * external-check: arguments, environment, exit statuses, timeouts and exec
 * failures, as haproxy 2.6 runs them (recorded with haproxy -db and a script
 * dumping its arguments and environment).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masked, startChecks } from './check-harness.js';

function script(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function config(...lines: string[]): string {
  return ['global', '  external-check', '  insecure-fork-wanted', 'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', ...lines].join('\n');
}

test('arguments and environment: only HAPROXY_* and PATH, the first listener of the proxy, NOT_USED for a backend', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-extchk-'));
  try {
    const log = join(dir, 'log');
    // One file per server, written at once: the checks of s1 and s2 run concurrently.
    const dump = script(dir, 'dump.sh', `{ echo "ARGS: $*"; env | sort | grep -v -e '^_=' -e '^PWD=' -e '^SHLVL=' -e '^OLDPWD='; } > ${log}.tmp.$$; mv ${log}.tmp.$$ ${log}.$HAPROXY_SERVER_NAME`);
    const r = startChecks(config(
      'listen li',
      '  bind 127.0.0.1:19999',
      '  option external-check',
      `  external-check command ${dump}`,
      '  external-check path "/usr/bin:/bin"',
      '  server s1 127.0.0.1:8001 check inter 50ms maxconn 7',
      'backend be',
      '  option external-check',
      `  external-check command ${dump}`,
      '  external-check path "/usr/bin:/bin"',
      '  server s2 127.0.0.1:8002 check inter 50ms id 12',
      'backend nopath',
      '  option external-check',
      // No PATH by default: only shell builtins work.
      `  external-check command ${script(dir, 'path.sh', `echo "PATH=[$PATH]" > ${log}.path`)}`,
      '  server s3 127.0.0.1:8003 check inter 50ms',
    ));
    try {
      await r.until(() => existsSync(`${log}.s1`) && existsSync(`${log}.s2`) && existsSync(`${log}.path`));
    } finally {
      r.stop();
    }
    const li = readFileSync(`${log}.s1`, 'utf8');
    const be = readFileSync(`${log}.s2`, 'utf8');
    assert.equal(li, [
      'ARGS: 127.0.0.1 19999 127.0.0.1 8001',
      'HAPROXY_PROXY_ADDR=127.0.0.1', 'HAPROXY_PROXY_ID=1', 'HAPROXY_PROXY_NAME=li', 'HAPROXY_PROXY_PORT=19999',
      'HAPROXY_SERVER_ADDR=127.0.0.1', 'HAPROXY_SERVER_CURCONN=0', 'HAPROXY_SERVER_ID=1', 'HAPROXY_SERVER_MAXCONN=7',
      'HAPROXY_SERVER_NAME=s1', 'HAPROXY_SERVER_PORT=8001', 'HAPROXY_SERVER_PROTO=tcp', 'HAPROXY_SERVER_SSL=0', 'PATH=/usr/bin:/bin', '',
    ].join('\n'));
    assert.match(be, /^ARGS: NOT_USED NOT_USED 127\.0\.0\.1 8002\nHAPROXY_PROXY_ADDR=\nHAPROXY_PROXY_ID=2\nHAPROXY_PROXY_NAME=be\nHAPROXY_PROXY_PORT=\n.*HAPROXY_SERVER_ID=12\n/s);
    assert.equal(readFileSync(`${log}.path`, 'utf8'), 'PATH=[]\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exit statuses, timeout, exec failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-extchk-'));
  try {
    const flag = join(dir, 'ok');
    const flip = script(dir, 'flip.sh', `[ -f ${flag} ] && exit 0\nexit 3`);
    const slow = script(dir, 'slow.sh', 'exec /bin/sleep 5');
    const r = startChecks(config(
      'backend b1', '  option external-check', `  external-check command ${flip}`, '  server s1 127.0.0.1:1 check inter 40ms',
      'backend b2', '  option external-check', `  external-check command ${slow}`, '  server s2 127.0.0.1:1 check inter 60ms',
      'backend b3', '  option external-check', `  external-check command ${join(dir, 'missing.sh')}`, '  server s3 127.0.0.1:1 check inter 40ms',
    ));
    try {
      await r.until((l) => l.filter((x) => x.includes(' is DOWN')).length === 3);
      writeFileSync(flag, '');
      await r.until((l) => l.some((x) => x.includes(' is UP')));
    } finally {
      r.stop();
    }
    const lines = masked(r.lines).map((l) => l.replace(/kill \d+/, 'kill PID'));
    const find = (re: RegExp): string | undefined => lines.find((l) => re.test(l));
    assert.equal(find(/b1\/s1 is DOWN/), '[WARNING] Server b1/s1 is DOWN, reason: External check error, code: 3, check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.');
    assert.equal(find(/b2\/s2 is DOWN/), '[WARNING] Server b2/s2 is DOWN, reason: External check timeout, code: 0, check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.');
    assert.equal(find(/b3\/s3 is DOWN/), '[WARNING] Server b3/s3 is DOWN, reason: External check error, code: 255, check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.');
    assert.ok(lines.includes('[WARNING] kill PID'));
    assert.ok(lines.includes('[ALERT] Failed to exec process for external health check: No such file or directory. Aborting.'));
    assert.equal(find(/b1\/s1 is UP/), '[WARNING] Server b1/s1 is UP, reason: External check passed, code: 0, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
