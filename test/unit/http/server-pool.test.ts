/**
 * The idle server-connection pool (src/http/server-pool.ts) on real
 * loopback sockets: order of reuse, take-back, purge, and the regression
 * that froze the proxy (every reused request left a stale entry behind and
 * the purge spliced them one by one from the front of a huge array).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { isIdle, purgeIdle, releaseIdle, TAKE_ANY, TAKE_SAFE, TAKE_SAFE_FIRST, takeBack, takeIdle, unuseConn, useConn } from '../../../src/http/server-pool.js';
import type { Server } from '../../../src/server/server.js';

let origin: net.Server;
const peers: net.Socket[] = [];

before(async () => {
  origin = net.createServer((c) => { peers.push(c); c.on('error', () => undefined); });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
});
after(() => {
  for (const p of peers) p.destroy();
  origin.close();
});

function fakeServer(poolPurgeDelay: number, poolMaxConn?: number, poolLowConn?: number): Server {
  return { config: { poolPurgeDelay, poolMaxConn, poolLowConn } } as unknown as Server;
}

async function connect(n: number): Promise<net.Socket[]> {
  const port = (origin.address() as net.AddressInfo).port;
  return Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
  })));
}

/** Parks `socks` as streams using them at the same time would, then finishing in order. */
function park(server: Server, socks: net.Socket[]): void {
  for (const s of socks) useConn(s, server);
  for (const s of socks) {
    unuseConn(s);
    releaseIdle(server, s);
  }
}

test('takeIdle gives the oldest parked connection first, each once (haproxy ebtree duplicates)', async () => {
  const server = fakeServer(60_000);
  const socks = await connect(3);
  park(server, socks);
  assert.equal(takeIdle(server), socks[0]);
  assert.equal(takeIdle(server), socks[1]);
  assert.equal(takeIdle(server), socks[2]);
  assert.equal(takeIdle(server), undefined);
  for (const s of socks) s.destroy();
  purgeIdle(server);
});

test('one-request connections before safe ones; aggressive takes safe ones only, always safe ones first', async () => {
  const server = fakeServer(60_000);
  const socks = await connect(3);
  park(server, socks);
  assert.equal(takeBack(socks[1]!), true);
  assert.equal(isIdle(socks[1]!), false);
  assert.equal(takeBack(socks[1]!), false, 'already taken');
  // socks[0] and socks[2] carried one request each: none is in the safe list.
  assert.equal(takeIdle(server, TAKE_SAFE), undefined);
  park(server, [socks[1]!]); // now 2 uses: the safe list
  assert.equal(takeIdle(server, TAKE_SAFE_FIRST), socks[1]);
  park(server, [socks[1]!]);
  assert.equal(takeIdle(server, TAKE_ANY), socks[0]);
  assert.equal(takeIdle(server, TAKE_SAFE), socks[1]);
  assert.equal(isIdle(socks[2]!), true);
  purgeIdle(server);
  assert.equal(isIdle(socks[2]!), false);
  assert.equal(socks[2]!.destroyed, true);
  for (const s of socks) s.destroy();
});

test('a connection reused 200,000 times leaves nothing behind: the purge stays instant', async () => {
  const server = fakeServer(20);
  const socks = await connect(8);
  for (let round = 0; round < 25_000; round++) {
    park(server, socks);
    for (const s of socks) assert.ok(takeBack(s));
  }
  park(server, socks);
  // haproxy's estimate: 8 were used at once, so the first purges keep them; with
  // no use since, each purge closes half the excess (+1) until none is left.
  const started = Date.now();
  while (socks.some((s) => isIdle(s)) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(socks.filter((s) => isIdle(s)).length, 0, 'every idle connection purged');
  assert.ok(socks.every((s) => s.destroyed));
});

test('admission: a connection released beyond the estimated need is closed, pool-low-conn adds to the need', async () => {
  for (const [low, kept] of [[0, [true, false, false]], [1, [true, true, false]]] as const) {
    const server = fakeServer(60_000, undefined, low);
    const socks = await connect(3);
    // One at a time: the need is one connection.
    for (const s of socks) {
      useConn(s, server);
      unuseConn(s);
      releaseIdle(server, s);
    }
    assert.deepEqual(socks.map((s) => isIdle(s)), kept, `pool-low-conn ${low}`);
    purgeIdle(server);
    for (const s of socks) s.destroy();
  }
});

test('pool-max-conn bounds the idle list; the extra connection is closed', async () => {
  const server = fakeServer(60_000, 2);
  const socks = await connect(3);
  park(server, socks);
  assert.deepEqual(socks.map((s) => isIdle(s)), [true, true, false]);
  assert.equal(socks[2]!.destroyed, true);
  purgeIdle(server);
  for (const s of socks) s.destroy();
});
