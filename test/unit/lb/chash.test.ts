/**
 * Properties of the consistent-hashing ring (src/lb/chash.ts) and of the
 * hash algorithms built on it and on the map (issue 5, "Balancing"):
 * removing one of N servers moves only its own keys, about 1/N of them;
 * equal weights share keys evenly; weights are proportional; bounded loads
 * hold; weight changes and up/down cycles only touch the changed server.
 * The exact server choices are checked against haproxy in
 * test/compat/lb/hashing.test.ts; these are the invariants behind them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChashTree, chashNodeKey } from '../../../src/lb/chash.js';
import { ServerHashMap } from '../../../src/lb/map-based.js';
import { fullHash, keyHasher } from '../../../src/lb/hash-functions.js';
import { createAlgorithm, type BalanceAlgorithm } from '../../../src/lb/registry.js';
import type { Server } from '../../../src/server/server.js';
import { makeServers } from '../../helpers/model-builder.js';

/** `hash-type consistent` default: sdbm with avalanche. */
const hashOf = keyHasher({ method: 'consistent', function: 'sdbm', avalanche: true });
const KEYS = Array.from({ length: 10_000 }, (_, i) => hashOf(`/object/${i}`));

function assignments(t: ChashTree): Server[] {
  return KEYS.map((h) => t.byHash(h, undefined)!);
}

function shares(owners: readonly Server[], servers: readonly Server[]): number[] {
  const c = new Map<Server, number>();
  for (const s of owners) c.set(s, (c.get(s) ?? 0) + 1);
  return servers.map((s) => (c.get(s) ?? 0) / owners.length);
}

/** Wires a FakeOwner so Server.setMaint/setWeight reach the tree, as Backend does. */
function wire(servers: Server[], t: { onServerUp(s: Server): void; onServerDown(s: Server): void; onWeightChange(s: Server): void }): void {
  const owner = servers[0]!.owner as unknown as { onServerChange(s: Server, was: boolean): void };
  owner.onServerChange = (s, was) => {
    if (was && !s.usable) t.onServerDown(s);
    else if (!was && s.usable) t.onServerUp(s);
    else if (s.usable) t.onWeightChange(s);
  };
}

test('each server has 16 points per unit of weight at full_hash(id * 4096 + j)', () => {
  const { servers } = makeServers([1, 3, 0]);
  const t = new ChashTree(servers, { allBackups: false });
  assert.deepEqual(servers.map((s) => t.pointsOf(s)), [16, 48, 0]);
  assert.equal(chashNodeKey(1, 0), fullHash(4096));
  assert.equal(chashNodeKey(2, 5), fullHash(8197));
  // Ids past 2^20 wrap in 32 bits, as the C int arithmetic (-fwrapv).
  assert.equal(chashNodeKey(1 << 20, 3), fullHash(3));
});

test('taking one of 10 servers down moves only its keys, about 1/10 of them; back up restores every key', () => {
  const { servers } = makeServers(Array(10).fill(16));
  const t = new ChashTree(servers, { allBackups: false });
  wire(servers, t);
  const before = assignments(t);
  const victim = servers[3]!;
  victim.setMaint(true);
  const after = assignments(t);
  let moved = 0;
  for (let i = 0; i < KEYS.length; i++) {
    if (before[i] !== after[i]) {
      moved++;
      assert.equal(before[i], victim, `key ${i} moved although its server stayed`);
    }
    assert.notEqual(after[i], victim);
  }
  const owned = before.filter((s) => s === victim).length;
  assert.equal(moved, owned, 'every key of the removed server moved, and only those');
  assert.ok(Math.abs(moved / KEYS.length - 0.1) < 0.02, `moved ${moved}`);
  victim.setMaint(false);
  assert.deepEqual(assignments(t), before);
});

test('equal weights: each server gets its share within ±2 points over 10,000 keys', () => {
  for (const [n, w] of [[5, 64], [10, 16], [8, 100]] as const) {
    const { servers } = makeServers(Array(n).fill(w));
    for (const s of shares(assignments(new ChashTree(servers, { allBackups: false })), servers)) {
      assert.ok(Math.abs(s - 1 / n) <= 0.02, `${n} servers of weight ${w}: share ${s}`);
    }
  }
  // haproxy's ring has 16 points per unit of weight: at weight 1 the shares
  // of 5 servers spread by about ±4 points (the same ring, bit for bit).
  const { servers } = makeServers([1, 1, 1, 1, 1]);
  for (const s of shares(assignments(new ChashTree(servers, { allBackups: false })), servers)) assert.ok(Math.abs(s - 0.2) <= 0.05, `weight 1: ${s}`);
  // The map (hash-type map-based) is exact over consecutive hashes.
  const m = new ServerHashMap(servers, false);
  const counts = new Map<Server, number>();
  for (let h = 0; h < 10_000; h++) counts.set(m.byHash(h)!, (counts.get(m.byHash(h)!) ?? 0) + 1);
  assert.deepEqual([...counts.values()], [2000, 2000, 2000, 2000, 2000]);
});

test('weights are honoured proportionally, on the ring and in the map', () => {
  const weights = [10, 20, 30, 40];
  const { servers } = makeServers(weights);
  const ring = shares(assignments(new ChashTree(servers, { allBackups: false })), servers);
  ring.forEach((s, i) => assert.ok(Math.abs(s - weights[i]! / 100) <= 0.025, `ring share of weight ${weights[i]}: ${s}`));
  const m = new ServerHashMap(servers, false);
  // Weights 10:20:30:40 reduce to 1:2:3:4, a table of 10 slots.
  assert.equal(m.totWeight, 10);
  const c = new Map<string, number>();
  for (const s of m.entries) c.set(s.name, (c.get(s.name) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(c), { s1: 1, s2: 2, s3: 3, s4: 4 });
});

test('a weight change moves only keys to or from that server', () => {
  const { servers } = makeServers([8, 8, 8, 8, 8]);
  const t = new ChashTree(servers, { allBackups: false });
  wire(servers, t);
  const before = assignments(t);
  const s = servers[1]!;
  s.setWeight(20);
  assert.equal(t.pointsOf(s), 320);
  const grown = assignments(t);
  for (let i = 0; i < KEYS.length; i++) if (before[i] !== grown[i]) assert.equal(grown[i], s, 'growth only attracts keys');
  assert.ok(shares(grown, servers)[1]! > 0.3);
  s.setWeight(8);
  assert.deepEqual(assignments(t), before, 'back to the same points');
  s.setWeight(3);
  const shrunk = assignments(t);
  for (let i = 0; i < KEYS.length; i++) if (before[i] !== shrunk[i]) assert.equal(before[i], s, 'shrinking only releases keys');
  s.setWeight(0);
  assert.ok(assignments(t).every((x) => x !== s));
  s.setWeight(8);
  assert.deepEqual(assignments(t), before);
});

test('bounded loads: with hash-balance-factor F no server exceeds its share of F% of the load', () => {
  for (const factor of [101, 125, 150, 200]) {
    const { servers } = makeServers([1, 1, 1, 1, 1, 1, 1, 1]);
    const algo = createAlgorithm('source', servers, {
      allBackups: false, args: [], hashType: { method: 'consistent', function: 'sdbm', avalanche: true }, hashBalanceFactor: factor,
    })!;
    // Every connection from the same client: without bounds they would all go to one server.
    for (let n = 1; n <= 200; n++) {
      const s = algo.pick({ source: '10.0.0.1' })!;
      s.served++;
      algo.onConnectionStart(s);
      const cap = Math.ceil((Math.ceil((n * factor) / 100)) / servers.length);
      for (const x of servers) assert.ok(x.served <= Math.max(1, cap), `factor ${factor}, ${n} conns: ${x.name} has ${x.served} > ${cap}`);
    }
  }
  // Without a factor, the key decides alone.
  const { servers } = makeServers([1, 1, 1]);
  const plain = createAlgorithm('source', servers, { allBackups: false, args: [], hashType: { method: 'consistent', function: 'sdbm', avalanche: true } })!;
  const first = plain.pick({ source: '10.0.0.1' })!;
  first.served = 50;
  assert.equal(plain.pick({ source: '10.0.0.1' }), first);
});

test('avoid: the ring walks to the next server; the map ignores it like map_get_server_hash()', () => {
  const { servers } = makeServers([1, 1, 1]);
  const t = new ChashTree(servers, { allBackups: false });
  for (const h of KEYS.slice(0, 200)) {
    const s = t.byHash(h, undefined)!;
    const other = t.byHash(h, s)!;
    assert.notEqual(other, s);
  }
  const m = new ServerHashMap(servers, false);
  assert.equal(m.byHash(7), servers[7 % 3]);
});

test('no key: round robin over the ring points (chash_get_next_server) and over the map (map_get_server_rr)', () => {
  const { servers } = makeServers([2, 1]);
  const uri = (ht: 'consistent' | 'map-based'): BalanceAlgorithm => createAlgorithm('uri', servers, { allBackups: false, args: [], mode: 'http', hashType: { method: ht, function: 'sdbm', avalanche: false } })!;
  const ring = uri('consistent');
  const seen = Array.from({ length: 48 }, () => ring.pick({})!.name);
  // The first pick without a previous position tries only the first point.
  assert.equal(seen.filter((n) => n === 's1').length, 32);
  assert.equal(seen.filter((n) => n === 's2').length, 16);
  const map = uri('map-based');
  // lb_map.c recalc for weights 2:1 gives the table s1 s1 s2.
  assert.deepEqual(Array.from({ length: 6 }, () => map.pick({})!.name), ['s1', 's1', 's2', 's1', 's1', 's2']);
  // Saturated servers are skipped; all saturated: none.
  const { servers: full } = makeServers([1, 1], () => ({ maxconn: 1 }));
  const r2 = createAlgorithm('uri', full, { allBackups: false, args: [], mode: 'http', hashType: { method: 'consistent', function: 'sdbm', avalanche: false } })!;
  full[0]!.served = 1;
  for (let i = 0; i < 5; i++) assert.equal(r2.pick({})?.name, 's2');
  full[1]!.served = 1;
  assert.equal(r2.pick({}), undefined);
});

test('backups: the first backup alone when no active server is left, every backup with allbackups', () => {
  const mk = (): Server[] => makeServers([1, 1, 1, 1], (i) => ({ backup: i >= 2 })).servers;
  const servers = mk();
  const t = new ChashTree(servers, { allBackups: false });
  wire(servers, t);
  servers[0]!.setMaint(true);
  servers[1]!.setMaint(true);
  assert.ok(KEYS.slice(0, 100).every((h) => t.byHash(h, undefined) === servers[2]));
  servers[2]!.setMaint(true);
  assert.ok(KEYS.slice(0, 100).every((h) => t.byHash(h, undefined) === servers[3]));
  servers[2]!.setMaint(false);
  assert.ok(KEYS.slice(0, 100).every((h) => t.byHash(h, undefined) === servers[2]), 'an earlier backup coming back is first again');
  const all = mk();
  const ta = new ChashTree(all, { allBackups: true });
  wire(all, ta);
  all[0]!.setMaint(true);
  all[1]!.setMaint(true);
  assert.equal(new Set(KEYS.slice(0, 200).map((h) => ta.byHash(h, undefined))).size, 2);
  all[1]!.setMaint(false);
  assert.ok(KEYS.slice(0, 100).every((h) => ta.byHash(h, undefined) === all[1]), 'an active server takes everything back');
});

test('random draws keys on the ring: weighted, and the less loaded of the draws wins', () => {
  const { servers } = makeServers([1, 3]);
  const algo = createAlgorithm('random', servers, { allBackups: false, args: ['1'] }) as BalanceAlgorithm & { random: () => number; draws: number };
  assert.equal(algo.draws, 1);
  assert.equal(algo.kind, 'rr');
  let x = 1;
  algo.random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const counts = [0, 0];
  for (let k = 0; k < 8000; k++) counts[algo.pick({})!.name === 's1' ? 0 : 1]!++;
  assert.ok(Math.abs(counts[1]! / 8000 - 0.75) < 0.04, `weights 1:3 gave ${counts.join(':')}`);
  const two = createAlgorithm('random(2)', servers, { allBackups: false, args: [] }) as BalanceAlgorithm & { random: () => number };
  servers[1]!.served = 10;
  // With two draws landing on different servers, the idle one wins.
  let y = 7;
  two.random = () => ((y = (Math.imul(y, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const picks = Array.from({ length: 200 }, () => two.pick({})!.name);
  assert.ok(picks.filter((n) => n === 's1').length > 70, 'the loaded server loses whenever the other is drawn');
  // A saturated winner means no server: the request waits in the backend queue.
  const { servers: full } = makeServers([1], () => ({ maxconn: 1 }));
  const r = createAlgorithm('random', full, { allBackups: false, args: [] })!;
  full[0]!.served = 1;
  assert.equal(r.pick({}), undefined);
});

test('a ring of 1,000 servers: lookups stay O(log n), events rewrite only once', () => {
  const { servers } = makeServers(Array.from({ length: 1000 }, (_, i) => 1 + (i % 5)));
  const t = new ChashTree(servers, { allBackups: false });
  wire(servers, t);
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink ^= t.byHash(fullHash(i), undefined)!.id;
  const lookups = performance.now() - t0;
  assert.ok(lookups < 1500, `200k lookups took ${lookups} ms (${sink})`);
  const t1 = performance.now();
  for (let i = 0; i < 50; i++) servers[i * 7]!.setMaint(true);
  for (let i = 0; i < 50; i++) servers[i * 7]!.setMaint(false);
  assert.ok(performance.now() - t1 < 1500, 'server events');
});
