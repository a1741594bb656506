/**
 * Differential: `tune.vars.{global,proc,sess,txn,reqres}-max-size` (seed
 * 002's "Variables" configuration) through haproxy 2.6 and Switchyard. A
 * variable costs haproxy's sizeof(struct var) (80 bytes) plus the bytes of a
 * string or binary value, counted in its scope and every scope above it
 * (req/res → txn → sess → process); a variable that does not fit is not
 * created; a value that does not fit leaves a boolean (haproxy's own
 * behaviour, whose printed value is garbage: only `-m found` is compared).
 * Values are released on unset-var, at the end of a transaction (txn, req,
 * res) and of a connection (sess).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type ProxyKind, type RunningProxy } from '../../helpers/processes.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';
const A20 = 'a'.repeat(20);
const A100 = 'a'.repeat(100);
const A150 = 'a'.repeat(150);

/** The defaults and the frontend's head, after each configuration's global section. */
const FRONTEND = `defaults
  mode http
  timeout client 2s
  timeout server 2s
  timeout connect 1s
frontend fe
  bind \${ADDR:fe}
`;

const SCOPES = `global
  tune.vars.txn-max-size 200
  tune.vars.reqres-max-size 120
  tune.vars.sess-max-size 400
${FRONTEND}  # /1: 100 + 80 fit in txn, a third variable does not
  http-request set-var(txn.a) str(${A20}) if { path /1 }
  http-request set-var(txn.b) int(1) if { path /1 }
  http-request set-var(txn.c) int(2) if { path /1 }
  # /2: req counts in reqres and txn
  http-request set-var(req.x) str(xxxxxxxxxx) if { path /2 }
  http-request set-var(txn.a) str(aaaaaaaaaa) if { path /2 }
  http-request set-var(req.y) int(3) if { path /2 }
  # /3: overwriting and unsetting give the bytes back
  http-request set-var(txn.a) str(${A20}) if { path /3 }
  http-request set-var(txn.a) str(${A20}) if { path /3 }
  http-request unset-var(txn.a) if { path /3 }
  http-request set-var(txn.b) str(${A100}) if { path /3 }
  # /4: a value too long for the limit leaves a variable that is found
  http-request set-var(txn.g) str(${A150}) if { path /4 }
  http-request set-var(txn.f) str(found) if { path /4 } { var(txn.g) -m found }
  # /5: sess variables stay for the connection, txn ones are released per request
  http-request set-var(sess.n) var(sess.n),add(1) if { path /5 } { var(sess.n) -m found }
  http-request set-var(sess.n) int(1) if { path /5 } !{ var(sess.n) -m found }
  http-request set-var(sess.k1) str(${A100}) if { path /5 } { var(sess.n) -m int 1 }
  http-request set-var(sess.k2) int(7) if { path /5 } { var(sess.n) -m int 2 }
  http-request set-var(sess.k3) int(8) if { path /5 } { var(sess.n) -m int 3 }
  http-request set-var(txn.t) str(${A20}) if { path /5 }
  http-request return status 200 hdr x "%[var(txn.a)]|%[var(txn.b)]|%[var(txn.c)]|%[var(req.x)]|%[var(req.y)]|%[var(txn.f)]|%[var(sess.n)]|%[var(sess.k1),length]|%[var(sess.k2)]|%[var(sess.k3)]|%[var(txn.t),length]"
`;

const PROCESS = `global
  tune.vars.global-max-size 300
${FRONTEND}  http-request set-var(sess.s) str(${A150}) if { path /s }
  http-request return status 200 hdr x "%[var(sess.s),length]"
`;

/** Sends `paths` as keep-alive requests on one connection; resolves with each response's `x` header, and the socket. */
async function session(port: number, paths: string[]): Promise<{ values: string[]; sock: net.Socket }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const values: string[] = [];
  let buf = '';
  sock.setEncoding('latin1');
  for (const path of paths) {
    const value = await new Promise<string>((resolve) => {
      const t = setTimeout(() => resolve('timeout'), 2000);
      const onData = (d: string): void => {
        buf += d;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4 + Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0));
        sock.off('data', onData);
        clearTimeout(t);
        resolve(/\r\nx: ([^\r]*)/i.exec(head)?.[1] ?? 'no x');
      };
      sock.on('data', onData);
      sock.write(`GET ${path} HTTP/1.1\r\nHost: v\r\n\r\n`);
    });
    values.push(value);
  }
  return { values, sock };
}

async function scopes(kind: ProxyKind): Promise<string[]> {
  const p = await startProxy(kind, SCOPES);
  try {
    const port = p.ports['fe']!;
    const one = await session(port, ['/1', '/2', '/3', '/4']);
    one.sock.destroy();
    const two = await session(port, ['/5', '/5', '/5', '/5']);
    two.sock.destroy();
    return [...one.values, ...two.values];
  } finally {
    await p.stop();
  }
}

async function processWide(kind: ProxyKind): Promise<string[]> {
  const p: RunningProxy = await startProxy(kind, PROCESS);
  try {
    const port = p.ports['fe']!;
    const a = await session(port, ['/s']);
    // 230 bytes held by connection a: connection b's variable (80 more) does not fit in 300.
    const b = await session(port, ['/s']);
    b.sock.destroy();
    a.sock.destroy();
    // Connection a is gone: its bytes are back.
    await new Promise((r) => setTimeout(r, 100));
    const c = await session(port, ['/s']);
    c.sock.destroy();
    return [...a.values, ...b.values, ...c.values];
  } finally {
    await p.stop();
  }
}

test('tune.vars.*-max-size: per scope, cascading, released with the transaction and the connection', { skip }, async () => {
  const h = await scopes('haproxy');
  const s = await scopes('switchyard');
  assert.deepEqual(s, h);
  // The eleven fields of the x header: txn.a, txn.b, txn.c, req.x, req.y, txn.f, sess.n, sess.k1 length, sess.k2, sess.k3, txn.t length.
  const row = (...f: string[]): string => [...f, ...Array<string>(11 - f.length).fill('')].join('|');
  assert.deepEqual(h, [
    row(A20, '1'),
    row('aaaaaaaaaa', '', '', 'xxxxxxxxxx'),
    row('', A100),
    row('', '', '', '', '', 'found'),
    // sess: n (80) + k1 (180); k2 fits (340), k3 does not (420 > 400); txn.t (100) counts in sess too.
    row('', '', '', '', '', '', '1', '100', '', '', '20'),
    row('', '', '', '', '', '', '2', '100', '7'),
    row('', '', '', '', '', '', '3', '100', '7'),
    row('', '', '', '', '', '', '4', '100', '7'),
  ]);
});

test('tune.vars.global-max-size counts every connection of the process', { skip }, async () => {
  const h = await processWide('haproxy');
  const s = await processWide('switchyard');
  assert.deepEqual(s, h);
  // b's variable is not created: its empty header is left out of the reply.
  assert.deepEqual(h, ['150', 'no x', '150']);
});
