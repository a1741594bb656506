/**
 * `option tcplog` lines (configuration.txt §8.2.2) sent over UDP syslog,
 * compared with haproxy 2.6 (dates, pids, ports and timer values masked):
 * a normal connection, a refused server connection, a client abort, and no
 * line at all without a log format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpOrigin } from '../../helpers/origins.js';
import { freePort } from '../../helpers/processes.js';
import { bothMasked, exchange, sleep } from './log-helpers.js';

function config(server: string, extra = 'option tcplog'): string {
  return `global
  log 127.0.0.1:\${UDP} local0
defaults
  mode tcp
  log global
  timeout connect 1s
  timeout client 2s
  timeout server 2s
  retries 0
listen t
  bind \${ADDR:t}
  ${extra}
  server s1 ${server}
`;
}

test('tcplog: a normal connection, a refused server, a client abort', async () => {
  const origin = await tcpOrigin({ echo: true });
  const dead = await freePort();
  try {
    for (const [name, cfg, play] of [
      ['normal', config(origin.addr), (port: number) => exchange(port, 'hello', { endAfterMs: 30 })],
      ['refused', config(`127.0.0.1:${dead}`), (port: number) => exchange(port, 'hello')],
      ['abort', config(origin.addr), (port: number) => exchange(port, 'x', { resetAfterMs: 50 })],
    ] as const) {
      const r = await bothMasked(cfg, async (p) => {
        await play(p.ports['t']!);
        await sleep(50);
      });
      assert.equal(r.haproxy.length, 1, `${name}: haproxy sent ${JSON.stringify(r.haproxy)}`);
      assert.deepEqual(r.switchyard, r.haproxy, name);
    }
  } finally {
    await origin.close();
  }
});

test('without a log format: "Connect from" lines; dontlognull: no line for an empty connection', async () => {
  const origin = await tcpOrigin({ echo: true });
  try {
    for (const [extra, n] of [['', 1], ['option tcplog\n  option dontlognull', 0]] as const) {
      const r = await bothMasked(config(origin.addr, extra), async (p) => {
        await exchange(p.ports['t']!, '', { endAfterMs: 20 });
      });
      assert.equal(r.haproxy.length, n, JSON.stringify(r.haproxy));
      assert.deepEqual(r.switchyard, r.haproxy, extra);
    }
  } finally {
    await origin.close();
  }
});

test('log-separate-errors logs failed streams at err; dontlog-normal keeps only them', async () => {
  const origin = await tcpOrigin({ echo: true });
  const dead = await freePort();
  try {
    for (const extra of ['option tcplog\n  option log-separate-errors', 'option tcplog\n  option dontlog-normal']) {
      const cfg = config(origin.addr, extra).replace('retries 0', 'retries 0\n  balance roundrobin') + `  server s3 127.0.0.1:${dead}\n`;
      const r = await bothMasked(cfg, async (p) => {
        // Round robin: the first connection goes to s1 (works), the second to s3 (refused).
        await exchange(p.ports['t']!, 'a', { endAfterMs: 30 });
        await sleep(100);
        await exchange(p.ports['t']!, 'b');
        await sleep(30);
      });
      assert.ok(r.haproxy.length >= 1, extra);
      assert.deepEqual(r.switchyard, r.haproxy, extra);
    }
  } finally {
    await origin.close();
  }
});
