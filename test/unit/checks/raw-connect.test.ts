/**
 * The bare-handle connection of connect-only checks (src/server/checks/raw-connect.ts):
 * connects, reports refusals with the errno name haproxy's texts are built
 * from, closes with a reset, and is only chosen when nothing is sent or read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawCheckConnection, rawConnectAvailable, rawTarget } from '../../../src/server/checks/raw-connect.js';
import { CheckConnection, openCheckConnection, type ConnectionEvents } from '../../../src/server/checks/tcp-connect.js';
import { strerror } from '../../../src/net/listener.js';
import { freePort } from '../../helpers/processes.js';

interface Seen {
  ready: number;
  errors: Array<{ code: string | undefined; phase: string; text: string }>;
}

function events(seen: Seen, onEvent: () => void): ConnectionEvents {
  return {
    ready: () => {
      seen.ready++;
      onEvent();
    },
    data: () => undefined,
    end: () => undefined,
    error: (err, phase) => {
      seen.errors.push({ code: err.code, phase, text: strerror(err) });
      onEvent();
    },
  };
}

async function listener(): Promise<{ port: number; resets: () => number; accepted: () => number; close(): Promise<void> }> {
  let resets = 0;
  let accepted = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((s) => {
    accepted++;
    socks.add(s);
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') resets++;
    });
    s.on('close', () => socks.delete(s));
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    resets: () => resets,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      server.close(() => r());
    }),
  };
}

test('rawTarget: only plain TCP to an IP literal', () => {
  assert.deepEqual(rawTarget({ host: '127.0.0.1', port: 80 }), { host: '127.0.0.1', port: 80, family: 4 });
  assert.deepEqual(rawTarget({ host: '::1', port: 8080 }), { host: '::1', port: 8080, family: 6 });
  assert.equal(rawTarget({ host: 'localhost', port: 80 }), undefined);
  assert.equal(rawTarget({ path: '/run/x.sock' }), undefined);
  assert.equal(rawTarget({ host: '127.0.0.1', port: 80, localAddress: '127.0.0.2' }), undefined);
});

test('connects, then closes with a reset', { skip: !rawConnectAvailable }, async () => {
  const l = await listener();
  try {
    const seen: Seen = { ready: 0, errors: [] };
    let conn: RawCheckConnection | undefined;
    await new Promise<void>((resolve) => {
      conn = new RawCheckConnection({ host: '127.0.0.1', port: l.port, family: 4 }, events(seen, resolve));
    });
    assert.equal(seen.ready, 1);
    assert.equal(conn!.phase, 'up');
    assert.equal(conn!.isTls, false);
    conn!.destroy();
    assert.equal(conn!.phase, 'closed');
    conn!.destroy(); // idempotent
    // The peer sees a reset if it accepted the connection at all (haproxy's checks end the same way).
    const t0 = Date.now();
    while (l.accepted() > l.resets() && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(l.resets(), l.accepted());
  } finally {
    await l.close();
  }
});

test('a refused connection reports ECONNREFUSED at layer 4 ("Connection refused")', { skip: !rawConnectAvailable }, async () => {
  const port = await freePort();
  const seen: Seen = { ready: 0, errors: [] };
  await new Promise<void>((resolve) => {
    new RawCheckConnection({ host: '127.0.0.1', port, family: 4 }, events(seen, resolve));
  });
  assert.deepEqual(seen.errors, [{ code: 'ECONNREFUSED', phase: 'l4', text: 'Connection refused' }]);
  assert.equal(seen.ready, 0);
});

test('destroyed while connecting: no event afterwards', { skip: !rawConnectAvailable }, async () => {
  const l = await listener();
  try {
    const seen: Seen = { ready: 0, errors: [] };
    const conn = new RawCheckConnection({ host: '127.0.0.1', port: l.port, family: 4 }, events(seen, () => undefined));
    conn.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, { ready: 0, errors: [] });
  } finally {
    await l.close();
  }
});

test('openCheckConnection: the bare handle only for connect-only plain TCP', { skip: !rawConnectAvailable }, async () => {
  const l = await listener();
  try {
    const ev = events({ ready: 0, errors: [] }, () => undefined);
    const plain = { options: { host: '127.0.0.1', port: l.port } };
    const conns = [
      openCheckConnection(plain, ev, true),
      openCheckConnection(plain, ev, false),
      openCheckConnection({ ...plain, proxy: { version: 1 } }, ev, true),
      openCheckConnection({ options: { host: 'localhost', port: l.port } }, ev, true),
    ];
    assert.ok(conns[0] instanceof RawCheckConnection);
    assert.ok(conns[1] instanceof CheckConnection);
    assert.ok(conns[2] instanceof CheckConnection);
    assert.ok(conns[3] instanceof CheckConnection);
    for (const c of conns) c.destroy();
  } finally {
    await l.close();
  }
});
