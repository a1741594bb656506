/** static-rr, leastconn, first, source and the registry (random and the hashes: chash.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlgorithm, algorithmNames } from '../../../src/lb/registry.js';
import { buildServerMap } from '../../../src/lb/static-rr.js';
import { fullHash, sourceHash } from '../../../src/lb/source.js';
import { RandomChash } from '../../../src/lb/hash-balance.js';
import { makeServers } from '../../helpers/model-builder.js';

const opts = { allBackups: false, args: [] as string[] };
const names = (xs: Array<{ name: string } | undefined>): string => xs.map((s) => s?.name.slice(1) ?? '-').join('');

test('registry knows the algorithms and parses random(<draws>)', () => {
  assert.deepEqual(algorithmNames().sort(), ['first', 'hash', 'hdr', 'leastconn', 'random', 'rdp-cookie', 'roundrobin', 'source', 'static-rr', 'uri', 'url_param']);
  const { servers } = makeServers([1, 1]);
  assert.equal(createAlgorithm('nope', servers, opts), undefined);
  const r = createAlgorithm('random(5)', servers, opts) as RandomChash;
  assert.equal(r.draws, 5);
  assert.equal((createAlgorithm('random', servers, opts) as RandomChash).draws, 2);
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
  // haproxy 2.6's full_hash() (include/haproxy/hash.h, ending with * 3221225473),
  // checked against the live haproxy in test/unit/lb/hash-functions.test.ts.
  assert.equal(fullHash(0), 2874071335);
  assert.equal(fullHash(0x7f000001), 2317047883);
  const { servers } = makeServers([1, 1, 1]);
  const algo = createAlgorithm('source', servers, opts)!;
  // map = s1 s2 s3; index = hash % 3.
  assert.equal(algo.pick({ source: '10.0.0.0' })?.name, `s${(0x0a000000 % 3) + 1}`);
  assert.equal(algo.pick({ source: '10.0.0.1' })?.name, algo.pick({ source: '10.0.0.1' })?.name);
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) seen.add(algo.pick({ source: `10.0.0.${i}` })!.name);
  assert.equal(seen.size, 3);
});
