/**
 * lb_fwrr determinism: the sequences below were recorded from haproxy 2.6
 * (test/compat/lb/roundrobin.test.ts checks them live); plus weight 0,
 * saturation, avoidance, backups and weight changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlgorithm, type BalanceAlgorithm } from '../../../src/lb/registry.js';
import { makeServers } from '../../helpers/model-builder.js';
import type { Server } from '../../../src/server/server.js';

function rr(weights: number[], opts: { allBackups?: boolean; backup?: number[]; maxconn?: number[] } = {}): { algo: BalanceAlgorithm; servers: Server[] } {
  const { servers } = makeServers(weights, (i) => ({ backup: opts.backup?.includes(i), maxconn: opts.maxconn?.[i] }));
  const algo = createAlgorithm('roundrobin', servers, { allBackups: opts.allBackups ?? false, args: [] })!;
  return { algo, servers };
}

function picks(algo: BalanceAlgorithm, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += algo.pick({})?.name.slice(1) ?? '-';
  return out;
}

// Recorded from /usr/sbin/haproxy 2.6 (balance roundrobin, sequential connections).
const HAPROXY: Array<[number[], string]> = [
  [[3, 2, 1], '121312121312121312121312'],
  [[1, 1, 1], '123123123123123123123123'],
  [[5, 1], '111112111112111112111112'],
  [[2, 3, 5, 7], '434234143243442314342341'],
  [[9, 0, 3, 7, 4], '141541341514134514115431415413415141345141154314154134151413'],
  [[13, 1, 2], '111113111121113111111311112111311111131111211131111113111121'],
];

for (const [weights, expected] of HAPROXY) {
  test(`roundrobin ${weights.join(',')} picks in haproxy's order`, () => {
    assert.equal(picks(rr(weights).algo, expected.length), expected);
  });
}

test('smoothness: weights 3,2,1 never pick the same server three times in a row', () => {
  const seq = picks(rr([3, 2, 1]).algo, 600);
  assert.doesNotMatch(seq, /(.)\1\1/);
  assert.equal([...seq].filter((c) => c === '1').length, 300);
  assert.equal([...seq].filter((c) => c === '3').length, 100);
});

test('weight 0 servers are never picked; all weights 0 picks nothing', () => {
  assert.doesNotMatch(picks(rr([1, 0, 1]).algo, 30), /2/);
  assert.equal(rr([0, 0]).algo.pick({}), undefined);
});

test('a saturated server (maxconn reached) is skipped and keeps its place', () => {
  const { algo, servers } = rr([1, 1, 1], { maxconn: [1, 0, 0] });
  servers[0]!.served = 1;
  assert.equal(picks(algo, 6), '232323');
  servers[0]!.served = 0;
  assert.match(picks(algo, 3), /1/);
});

test('avoid: the server that just failed is not picked again if another exists', () => {
  const { algo, servers } = rr([1, 1]);
  const first = algo.pick({})!;
  const next = algo.pick({ avoid: servers[1] });
  assert.equal(first.name, 's1');
  assert.equal(next?.name, 's1');
  const { algo: single, servers: one } = rr([1]);
  assert.equal(single.pick({ avoid: one[0] })?.name, 's1', 'the avoided server when it is the only one');
});

test('backups: only the first backup serves when no active server is up, unless allbackups', () => {
  const a = rr([1, 1, 1], { backup: [1, 2] });
  a.servers[0]!.setMaint(true);
  a.algo.onServerDown(a.servers[0]!);
  assert.equal(picks(a.algo, 4), '2222');
  const b = rr([1, 1, 1], { backup: [1, 2], allBackups: true });
  b.servers[0]!.setMaint(true);
  b.algo.onServerDown(b.servers[0]!);
  assert.equal(picks(b.algo, 4), '2323');
});

test('a server coming back is reinserted and gets its share', () => {
  const { algo, servers } = rr([1, 1, 1]);
  picks(algo, 5);
  servers[1]!.setMaint(true);
  algo.onServerDown(servers[1]!);
  assert.doesNotMatch(picks(algo, 10), /2/);
  servers[1]!.setMaint(false);
  algo.onServerUp(servers[1]!);
  const seq = picks(algo, 30);
  assert.equal([...seq].filter((c) => c === '2').length, 10);
});

test('weight change keeps the proportions', () => {
  const { algo, servers } = rr([1, 1]);
  picks(algo, 4);
  servers[0]!.uweight = 3;
  servers[0]!.eweight = 3 * 16;
  algo.onWeightChange(servers[0]!);
  const seq = picks(algo, 400);
  const ones = [...seq].filter((c) => c === '1').length;
  assert.ok(ones >= 295 && ones <= 305, `${ones} picks of s1 out of 400`);
});
