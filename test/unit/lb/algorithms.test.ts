/** static-rr, leastconn, first, source, random and the registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlgorithm, algorithmNames } from '../../../src/lb/registry.js';
import { buildServerMap } from '../../../src/lb/static-rr.js';
import { fullHash, sourceHash } from '../../../src/lb/source.js';
import { RandomDraws } from '../../../src/lb/random.js';
import { makeServers } from '../../helpers/model-builder.js';

const opts = { allBackups: false, args: [] as string[] };
const names = (xs: Array<{ name: string } | undefined>): string => xs.map((s) => s?.name.slice(1) ?? '-').join('');

test('registry knows the algorithms and parses random(<draws>)', () => {
  assert.deepEqual(algorithmNames().sort(), ['first', 'leastconn', 'random', 'roundrobin', 'source', 'static-rr']);
  const { servers } = makeServers([1, 1]);
  assert.equal(createAlgorithm('uri', servers, opts), undefined);
  const r = createAlgorithm('random(5)', servers, opts) as RandomDraws;
  assert.equal(r.draws, 5);
  assert.equal((createAlgorithm('random', servers, opts) as RandomDraws).draws, 2);
  assert.equal(createAlgorithm(undefined, servers, opts)?.name, 'roundrobin');
});

test('static-rr map: haproxy order for 4,1,2 and 3,2,1 (recorded from haproxy 2.6)', () => {
  const a = makeServers([4, 1, 2]).servers;
  const algo = createAlgorithm('static-rr', a, opts)!;
  assert.equal(names(Array.from({ length: 21 }, () => algo.pick({}))), '112311311231131123113');
  const b = makeServers([3, 2, 1]).servers;
  assert.equal(names(buildServerMap(b)), '112123');
  // Scaling the weights does not change the map (gcd reduction).
  assert.equal(names(buildServerMap(makeServers([30, 20, 10]).servers)), '112123');
});

test('leastconn prefers the least loaded server relative to weight', () => {
  const { servers } = makeServers([1, 2]);
  const algo = createAlgorithm('leastconn', servers, opts)!;
  const [s1, s2] = servers;
  const take = (s: typeof s1) => {
    s!.served++;
    algo.onConnectionStart(s!);
  };
  // Both idle: declaration order.
  assert.equal(algo.pick({}), s1);
  take(s1);
  assert.equal(algo.pick({}), s2);
  take(s2);
  // s1: (1+1)*4096/16 = 512; s2 weight 2: (1+1)*4096/32 = 256.
  assert.equal(algo.pick({}), s2);
  take(s2);
  // s2: 3*4096/32 = 384 < 512
  assert.equal(algo.pick({}), s2);
  take(s2);
  // s2: 4*4096/32 = 512 = s1's key: s1 was queued first.
  assert.equal(algo.pick({}), s1);
  s2!.served = 0;
  algo.onConnectionEnd(s2!);
  assert.equal(algo.pick({}), s2);
  assert.equal(algo.pick({ avoid: s2 }), s1);
});

test('first: lowest id with a free slot', () => {
  const { servers } = makeServers([1, 1, 1], () => ({ maxconn: 2 }));
  const algo = createAlgorithm('first', servers, opts)!;
  assert.equal(algo.pick({})?.name, 's1');
  servers[0]!.served = 2;
  assert.equal(algo.pick({})?.name, 's2');
  servers[1]!.served = 2;
  servers[2]!.served = 2;
  assert.equal(algo.pick({}), undefined, 'all full: the stream waits in the backend queue');
});

test('source: hash of the address words, stable per client, spread over the map', () => {
  assert.equal(sourceHash('127.0.0.1'), 0x7f000001);
  assert.equal(sourceHash('10.1.2.3'), 0x0a010203);
  assert.equal(sourceHash('::1'), 1);
  assert.equal(sourceHash('::ffff:127.0.0.1'), (0xffff ^ 0x7f000001) >>> 0);
  assert.equal(sourceHash('2001:db8::1'), (0x20010db8 ^ 1) >>> 0);
  // Values from the C full_hash() of include/haproxy/hash.h.
  assert.equal(fullHash(0), 1800329511);
  assert.equal(fullHash(0x7f000001), 1243306059);
  const { servers } = makeServers([1, 1, 1]);
  const algo = createAlgorithm('source', servers, opts)!;
  // map = s1 s2 s3; index = hash % 3.
  assert.equal(algo.pick({ source: '10.0.0.0' })?.name, `s${(0x0a000000 % 3) + 1}`);
  assert.equal(algo.pick({ source: '10.0.0.1' })?.name, algo.pick({ source: '10.0.0.1' })?.name);
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) seen.add(algo.pick({ source: `10.0.0.${i}` })!.name);
  assert.equal(seen.size, 3);
});

test('random: weighted draws, the less loaded of two wins', () => {
  const { servers } = makeServers([1, 3]);
  const algo = createAlgorithm('random', servers, opts) as RandomDraws;
  const rolls = [0.1, 0.9];
  let i = 0;
  algo.random = () => rolls[i++ % rolls.length]!;
  // 0.1*64 = 6.4 < 16 → s1; 0.9*64 → s2; both idle: the first draw stays.
  assert.equal(algo.pick({})?.name, 's1');
  servers[0]!.served = 1;
  assert.equal(algo.pick({})?.name, 's2');
  const counts = [0, 0];
  algo.random = Math.random;
  servers[0]!.served = 0;
  const one = new RandomDraws(servers, { allBackups: false, args: ['1'] });
  for (let k = 0; k < 4000; k++) counts[one.pick({})!.name === 's1' ? 0 : 1]!++;
  assert.ok(counts[1]! > counts[0]! * 2, `weights 1:3 gave ${counts.join(':')}`);
});
