/**
 * Bind options of configuration.txt §5.1 that shape the listening socket,
 * run under haproxy 2.6 and Switchyard with the same configuration:
 * `mode`/`uid`/`gid`/`user`/`group` on unix sockets, `maxconn` and
 * `backlog` on a bind line, `v6only`/`v4v6` (tested on the loopback
 * v4-mapped address `::ffff:127.0.0.1`, which an IPV6_V6ONLY socket cannot
 * bind: no wildcard address is ever opened).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandFor, freePort, run, startProxy, type ProxyKind } from '../../helpers/processes.js';
import { tcpOrigin } from '../../helpers/origins.js';
import { systemId } from '../../../src/config/global/system-ids.js';

const KINDS: readonly ProxyKind[] = ['haproxy', 'switchyard'];
const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('unix socket ownership and permissions: mode, uid/gid and user/group names', async () => {
  const nobody = systemId('/etc/passwd', 'nobody');
  const nogroup = systemId('/etc/group', 'nogroup') ?? systemId('/etc/group', 'nobody');
  const groupName = systemId('/etc/group', 'nogroup') !== undefined ? 'nogroup' : 'nobody';
  const seen: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const dir = mkdtempSync(join(tmpdir(), `sy-unix-${kind}-`));
    const p = await startProxy(kind, `${DEFAULTS}
frontend fe
  bind \${ADDR:fe}
  bind unix@${dir}/a.sock mode 600
  bind unix@${dir}/b.sock mode 640 uid 1234 gid 4321
  ${nobody !== undefined && nogroup !== undefined ? `bind unix@${dir}/c.sock user nobody group ${groupName} mode 660` : ''}
  default_backend be
backend be
  server s 127.0.0.1:9
`);
    try {
      const st = (f: string): unknown => {
        try {
          const s = statSync(join(dir, f));
          return { mode: (s.mode & 0o777).toString(8), uid: s.uid, gid: s.gid, socket: s.isSocket() };
        } catch {
          return 'missing';
        }
      };
      seen[kind] = { a: st('a.sock'), b: st('b.sock'), c: st('c.sock') };
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.deepEqual(seen['switchyard'], seen['haproxy']);
  assert.deepEqual((seen['haproxy'] as { b: unknown }).b, { mode: '640', uid: 1234, gid: 4321, socket: true });
});

/** What one client saw: the bytes echoed back, in arrival order, with a tag per event. */
async function maxconnRun(kind: ProxyKind): Promise<string[]> {
  const origin = await tcpOrigin({ echo: true });
  const events: string[] = [];
  const p = await startProxy(kind, `${DEFAULTS}
frontend fe
  bind \${ADDR:fe} maxconn 1 backlog 16
  default_backend be
backend be
  server s ${origin.addr}
`);
  try {
    const open = (tag: string): net.Socket => {
      const c = net.connect({ port: p.ports['fe']!, host: '127.0.0.1' });
      c.on('data', (d) => events.push(`${tag} got ${d.toString('latin1')}`));
      c.on('error', (e: NodeJS.ErrnoException) => events.push(`${tag} ${e.code ?? 'error'}`));
      c.on('close', () => events.push(`${tag} closed`));
      return c;
    };
    const c1 = open('c1');
    c1.write('one');
    await sleep(200);
    // the second connection is established by the kernel but not served while c1 holds the only slot
    const c2 = open('c2');
    c2.write('two');
    await sleep(300);
    events.push('c1 ends');
    c1.end();
    await sleep(300);
    c2.end();
    await sleep(200);
    return events;
  } finally {
    await p.stop();
    await origin.close();
  }
}

test('bind maxconn 1 (with backlog): a second connection waits until the first one ends, as in haproxy', async () => {
  const ref = await maxconnRun('haproxy');
  const got = await maxconnRun('switchyard');
  assert.deepEqual(got, ref);
  assert.deepEqual(ref.slice(0, 3), ['c1 got one', 'c1 ends', 'c1 closed']);
  assert.ok(ref.includes('c2 got two'));
});

/** The `Binding [...]` alert of a failed start (pid and file masked), or 'started' and what an echo through it gave. */
async function v6Run(kind: ProxyKind, option: string): Promise<string> {
  const port = await freePort();
  const origin = await tcpOrigin({ echo: true });
  const dir = mkdtempSync(join(tmpdir(), `sy-v6-${kind}-`));
  const file = join(dir, 'v6.cfg');
  const config = `${DEFAULTS}
frontend fe
  bind ipv6@::ffff:127.0.0.1:${port} ${option}
  default_backend be
backend be
  server s ${origin.addr}
`;
  try {
    writeFileSync(file, config);
    const check = commandFor(kind, ['-c', '-f', file]);
    const c = await run(check.cmd, check.args, { timeoutMs: 10000 });
    if (c.code !== 0) return `-c failed: ${c.stdout}${c.stderr}`;
    if (option === 'v6only') {
      // the start fails: compare haproxy's alert
      const cmd = commandFor(kind, ['-db', '-f', file]);
      const r = await run(cmd.cmd, cmd.args, { timeoutMs: 10000 });
      const alert = (r.stdout + r.stderr).split('\n').find((l) => l.includes('Binding ['));
      return `exit ${r.code}: ${(alert ?? '').replace(/\(\d+\)/, '(PID)').replace(/\[\S*v6\.cfg:/, '[v6.cfg:').replace(`:${port}]`, ':PORT]')}`;
    }
    const p = await startProxy(kind, config.replace(String(port), '${PORT:fe}'));
    try {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect({ port: p.ports['fe']!, host: '127.0.0.1' });
        let d = '';
        s.on('connect', () => s.write('ping'));
        s.on('data', (b) => {
          d += b.toString('latin1');
          s.end();
        });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? ''}`));
        s.on('close', () => resolve(d));
      });
      return `started: ${got}`;
    } finally {
      await p.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await origin.close();
  }
}

test('v6only refuses the v4-mapped loopback address with haproxy\'s alert; v4v6 and the default accept IPv4 clients', async () => {
  for (const option of ['v6only', 'v4v6', '']) {
    const ref = await v6Run('haproxy', option);
    const got = await v6Run('switchyard', option);
    assert.equal(got.replace('/work/main/bin/switchyard.js.main()', 'haproxy.main()'), ref, `option '${option}'`);
    if (option === 'v6only') assert.match(ref, /cannot bind socket \(Invalid argument\) for \[::ffff:127\.0\.0\.1:PORT\]/);
    else assert.equal(ref, 'started: ping');
  }
});
