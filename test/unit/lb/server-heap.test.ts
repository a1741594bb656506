/**
 * ServerHeap (src/lb/server-heap.ts) keeps the order of the sorted array it
 * replaced: by `lb.key`, equal keys in insertion order. Random sequences of
 * insert / delete / update are checked against a plain reference list, and
 * the algorithms built on it against the picks they made before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ServerHeap } from '../../../src/lb/server-heap.js';
import { createAlgorithm } from '../../../src/lb/registry.js';
import { makeServers } from '../../helpers/model-builder.js';
import type { Server } from '../../../src/server/server.js';

type Op = { kind: 'insert' | 'delete' | 'update'; who: number; key: number };

/** The reference: a list kept sorted by key, a new entry after its equals (the former ServerTree). */
class Reference {
  readonly items: Server[] = [];
  insert(s: Server, key: number): void {
    this.delete(s);
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.lb.key > key) i--;
    this.items.splice(i, 0, s);
  }
  delete(s: Server): void {
    const i = this.items.indexOf(s);
    if (i >= 0) this.items.splice(i, 1);
  }
}

const names = (xs: readonly Server[]): string[] => xs.map((s) => s.name);

test('random insert/delete/update sequences keep (key, insertion) order', () => {
  const op = fc.record({
    kind: fc.constantFrom<Op['kind']>('insert', 'delete', 'update'),
    who: fc.nat({ max: 39 }),
    key: fc.integer({ min: 0, max: 6 }),
  });
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
    const { servers } = makeServers(new Array<number>(40).fill(1));
    const heap = new ServerHeap(7);
    const ref = new Reference();
    for (const o of ops) {
      const s = servers[o.who]!;
      if (o.kind === 'delete') {
        assert.equal(heap.delete(s), ref.items.includes(s));
        ref.delete(s);
        continue;
      }
      if (o.kind === 'update' && !heap.has(s)) continue;
      s.lb.key = o.key;
      if (o.kind === 'update') heap.update(s);
      else heap.insert(s);
      ref.insert(s, o.key);
      assert.equal(s.lb.tree, 7);
      assert.equal(heap.first(), ref.items[0]);
    }
    assert.deepEqual(names(heap.sorted()), names(ref.items));
    assert.equal(heap.size, ref.items.length);
  }), { numRuns: 300 });
});

test('forEachInOrder stops where asked and leaves the heap as it was', () => {
  const { servers } = makeServers(new Array<number>(100).fill(1));
  const heap = new ServerHeap(0);
  servers.forEach((s, i) => {
    s.lb.key = (i * 37) % 11;
    heap.insert(s);
  });
  const before = names(heap.sorted());
  const seen: string[] = [];
  heap.forEachInOrder((s) => {
    seen.push(s.name);
    return seen.length === 5;
  });
  assert.deepEqual(seen, before.slice(0, 5));
  assert.deepEqual(names(heap.sorted()), before);
  heap.clear();
  assert.equal(heap.first(), undefined);
  assert.ok(servers.every((s) => s.lb.heap === -1));
});

test('roundrobin over 1,000 servers: every server its share, in haproxy order per window', () => {
  const weights = Array.from({ length: 1000 }, (_, i) => 1 + (i % 4));
  const { servers } = makeServers(weights);
  const algo = createAlgorithm('roundrobin', servers, { allBackups: false, args: [] })!;
  const total = weights.reduce((a, b) => a + b, 0);
  const count = new Map<string, number>();
  for (let i = 0; i < 2 * total; i++) {
    const s = algo.pick({})!;
    count.set(s.name, (count.get(s.name) ?? 0) + 1);
  }
  // Two full windows: exactly twice each weight.
  servers.forEach((s, i) => assert.equal(count.get(s.name), 2 * weights[i]!, s.name));
});

test('leastconn over 1,000 servers keeps in-flight counts within one of each other', () => {
  const { owner, servers } = makeServers(new Array<number>(1000).fill(1));
  const algo = createAlgorithm('leastconn', servers, { allBackups: false, args: [] })!;
  owner.onTake = (s) => algo.onConnectionStart(s);
  owner.onDrop = (s) => algo.onConnectionEnd(s);
  const inflight: Server[] = [];
  let seed = 1;
  for (let i = 0; i < 20000; i++) {
    const s = algo.pick({})!;
    s.take();
    inflight.push(s);
    // Release a pseudo-random earlier connection: unequal durations.
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    if (inflight.length > 2500) inflight.splice(seed % inflight.length, 1)[0]!.drop();
  }
  let min = Infinity;
  let max = 0;
  for (const s of servers) {
    min = Math.min(min, s.served);
    max = Math.max(max, s.served);
  }
  assert.ok(max - min <= 1, `in flight between ${min} and ${max}`);
});
