/**
 * The PROXY protocol on live connections: `accept-proxy` (v1, v2 with
 * TLVs), `tcp-request connection expect-proxy layer4`, `send-proxy`,
 * `send-proxy-v2` with `proxy-v2-options`, unix-socket chains, and bad
 * headers (bogus, truncated, missing, late), each closing only its own
 * connection with haproxy's log line. The byte-level and log-level
 * behaviour is compared with haproxy 2.6 run on the same inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from '../../helpers/clients.js';
import { tcpOrigin } from '../../helpers/origins.js';
import { buildProxyV2 } from '../../../src/net/proxy-protocol.js';
import { maskSide, raw, runSide, serveText, type Step } from './l4-helpers.js';

const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 3s
  timeout server 3s
`;

/** A v2 header for 1.2.3.4:111 → 5.6.7.8:222 carrying an authority and a unique id. */
function v2Header(): Buffer {
  const h = buildProxyV2(
    { source: { address: '1.2.3.4', port: 111 }, destination: { address: '5.6.7.8', port: 222 } },
    { authority: 'app.example.com', uniqueId: 'req-42' },
    { authority: true, uniqueId: true },
  );
  return h;
}

/** The log lines of a run, with what differs between runs masked. */
function logLines(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /PROXY protocol header/.test(l) && !l.startsWith('['))
    .map((l) => l.replace(/^[\d.:a-f]+:\d+ \[[^\]]+\]/, '<CLIENT> [<DATE>]'));
}

test('accept-proxy: v1 and v2 headers replace the addresses; send-proxy-v2 options match haproxy byte for byte', async () => {
  const o = await tcpOrigin({ name: 'o', echo: false });
  const config = `${DEFAULTS}
frontend fe
  bind \${ADDR:fe} accept-proxy
  tcp-request content set-var(sess.auth) fc_pp_authority
  use_backend v2 if { src 1.2.3.4 }
  default_backend v1
backend v1
  server s \${ORIGIN:o} send-proxy
backend v2
  server s \${ORIGIN:o} send-proxy-v2 proxy-v2-options crc32c,authority,unique-id,ssl
`;
  const steps: Step[] = [
    raw('fe', 'PROXY TCP4 9.8.7.6 5.4.3.2 1000 80\r\nv1 data'),
    raw('fe', 'PROXY TCP6 2001:db8::1 ::1 1000 80\r\nv6 data'),
    raw('fe', Buffer.concat([v2Header(), Buffer.from('v2 data')])),
    raw('fe', 'PROXY UNKNOWN\r\nunknown'),
  ];
  try {
    const ref = await runSide('haproxy', config, { o }, steps);
    const got = await runSide('switchyard', config, { o }, steps);
    assert.deepEqual(maskSide(got), maskSide(ref));
    const rec = got.origins['o']!.received;
    assert.equal(rec[0], 'PROXY TCP4 9.8.7.6 5.4.3.2 1000 80\r\nv1 data');
    assert.equal(rec[1], 'PROXY TCP6 2001:db8::1 ::1 1000 80\r\nv6 data');
    assert.ok(rec[2]!.includes('app.example.com'));
    assert.match(rec[3]!, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\nunknown$/);
  } finally {
    await o.close();
  }
});

test('bad PROXY headers close only their connection, logged as haproxy does', async () => {
  const o = await tcpOrigin({ name: 'o', echo: true });
  const config = `global
  log stderr format raw local0
${DEFAULTS}
  timeout client 500ms
frontend fe
  log global
  option tcplog
  bind \${ADDR:fe} accept-proxy
  default_backend be
backend be
  server s \${ORIGIN:o}
`;
  const bogus = v2Header();
  bogus[13] = 0x99; // unknown family
  const steps: Step[] = [
    raw('fe', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    raw('fe', 'PROXY TCP4 1.2.3'),
    raw('fe', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'),
    raw('fe', bogus),
    raw('fe', v2Header().subarray(0, 20)),
    raw('fe', '', { halfClose: true }),
    // says nothing: the client timeout ends the wait
    raw('fe', '', { idleMs: 900 }),
    raw('fe', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nstill fine'),
  ];
  try {
    const ref = await runSide('haproxy', config, { o }, steps);
    const got = await runSide('switchyard', config, { o }, steps);
    assert.deepEqual(maskSide(got), maskSide(ref));
    assert.deepEqual(logLines(got.output), logLines(ref.output));
    assert.ok(logLines(got.output).some((l) => l.endsWith('fe/1: Truncated PROXY protocol header received')));
    assert.ok(logLines(got.output).some((l) => l.endsWith('fe/1: Timeout while waiting for PROXY protocol header')));
    assert.deepEqual(got.origins['o']!.received, ['still fine']);
  } finally {
    await o.close();
  }
});

test('expect-proxy layer4 applies to the connections its condition selects', async () => {
  const o = await tcpOrigin({ echo: false });
  const p = await serveText(`${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }
  default_backend be
frontend plain
  bind 127.0.0.1:0
  tcp-request connection expect-proxy layer4 if { src 10.0.0.0/8 }
  default_backend be
backend be
  server s ${o.addr} send-proxy
`);
  try {
    await rawExchange(p.port('fe'), 'PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\nwith', { idleMs: 150 });
    await rawExchange(p.port('plain'), 'PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\nwithout', { idleMs: 150 });
    const got = o.received.map((b) => b.toString('latin1'));
    assert.equal(got[0], 'PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\nwith');
    assert.match(got[1]!, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\nPROXY TCP4 1\.2\.3\.4 5\.6\.7\.8 111 222\r\nwithout$/);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('a unix-socket chain carries the client address: send-proxy-v2 → accept-proxy', async () => {
  const o = await tcpOrigin({ echo: true });
  const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/sy-pp-`);
  const p = await serveText(`${DEFAULTS}
frontend edge
  bind 127.0.0.1:0
  default_backend relay
backend relay
  server r unix@${dir}/relay.sock send-proxy-v2
listen inner
  bind unix@${dir}/relay.sock accept-proxy
  tcp-request content reject unless { src 127.0.0.1 }
  server o ${o.addr} send-proxy
`);
  try {
    const r = await rawExchange(p.port('edge'), 'through the chain', { idleMs: 200 });
    const got = o.received[0]!.toString('latin1');
    assert.match(got, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 (\d+) (\d+)\r\nthrough the chain$/);
    const [, sport, dport] = /^PROXY TCP4 \S+ \S+ (\d+) (\d+)/.exec(got)!;
    assert.equal(Number(dport), p.port('edge'));
    assert.notEqual(Number(sport), p.port('edge'));
    assert.ok(r.data.toString('latin1').endsWith('through the chain'));
  } finally {
    await p.stop();
    await o.close();
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
  }
});
