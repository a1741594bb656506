/**
 * Servers ordered by `lb.key`, equal keys in insertion order: the part of
 * haproxy's eb32 trees that lb_fwrr.c and lb_fwlc.c rely on (ebtree.h:
 * duplicates are visited in insertion order), as an indexed binary min-heap.
 *
 * Insert, delete and first are O(log n), O(log n) and O(1), so choosing a
 * server costs O(log n) with 1,000 servers as with 2 (issue 5,
 * "Performance"); the sorted array it replaces paid an O(n) splice and an
 * O(n) indexOf per pick (bench/lb-scale.ts: leastconn 2.0 µs per connection
 * with 1,000 servers against 0.25 µs with 2).
 *
 * Order: by `lb.key`, then by `lb.seq`, a sequence number stamped at each
 * insertion; since (key, seq) pairs are unique, the heap order is the exact
 * order the sorted array had, so the server sequences do not change.
 *
 * The keys and sequence numbers are copied into typed arrays beside the
 * servers, so comparisons while sifting read two flat arrays instead of
 * chasing each server's `lb` object (cache misses with 1,000 servers).
 *
 * Invariants: a server sits in at most one heap at a time; `lb.heap` is its
 * index in that heap's array, -1 when it is in none. `lb.tree` is set on
 * insertion and left alone on deletion, as eb32_delete() leaves lb_tree,
 * because lb_fwrr.c looks at where a server came from.
 */
import type { Server } from '../server/server.js';

let nextSeq = 1;

/** An indexed binary min-heap of servers; see the file comment. */
export class ServerHeap {
  private readonly a: Server[] = [];
  /** keys[i], seqs[i]: `lb.key` and `lb.seq` of a[i] when it was inserted. */
  private keys = new Float64Array(16);
  private seqs = new Float64Array(16);
  /** Scratch frontier of {@link forEachInOrder}, reused so that a walk allocates nothing. */
  private readonly frontier: number[] = [];

  constructor(readonly id: number) {}

  get size(): number {
    return this.a.length;
  }

  /** Inserts `s` with its current `lb.key`, after every server of equal key. */
  insert(s: Server): void {
    if (this.has(s)) this.delete(s);
    const lb = s.lb;
    lb.seq = nextSeq++;
    lb.tree = this.id;
    const i = this.a.length;
    if (i === this.keys.length) this.grow();
    this.a.push(s);
    this.up(i, s, lb.key, lb.seq);
  }

  /**
   * Moves `s`, already in this heap, to the place of its new `lb.key` as a
   * delete and insert would (after every server of equal key), in one sift.
   */
  update(s: Server): void {
    const i = s.lb.heap;
    if (i < 0 || this.a[i] !== s) {
      this.insert(s);
      return;
    }
    const lb = s.lb;
    lb.seq = nextSeq++;
    lb.tree = this.id;
    // The sequence number only grows, so with an unchanged key only a move down can be needed.
    if (i > 0 && this.less(lb.key, lb.seq, (i - 1) >> 1)) this.up(i, s, lb.key, lb.seq);
    else this.down(i, s, lb.key, lb.seq);
  }

  /** The first server in (key, insertion) order. */
  first(): Server | undefined {
    return this.a[0];
  }

  /** Removes `s` if it is in this heap; leaves `lb.tree` as is (like eb32_delete). */
  delete(s: Server): boolean {
    const i = s.lb.heap;
    const a = this.a;
    if (i < 0 || a[i] !== s) return false;
    s.lb.heap = -1;
    const last = a.pop()!;
    const n = a.length;
    if (i < n) {
      const k = this.keys[n]!;
      const q = this.seqs[n]!;
      // The moved server may belong above or below its new place.
      if (i > 0 && this.less(k, q, (i - 1) >> 1)) this.up(i, last, k, q);
      else this.down(i, last, k, q);
    }
    return true;
  }

  has(s: Server): boolean {
    const i = s.lb.heap;
    return i >= 0 && this.a[i] === s;
  }

  clear(): void {
    for (const s of this.a) s.lb.heap = -1;
    this.a.length = 0;
  }

  /**
   * Visits the servers in order until `visit` returns true, without
   * changing the heap: a frontier of candidates (the children of the
   * servers visited so far) is itself kept as a heap, so visiting the
   * first k servers costs O(k log k), and O(1) when the first one does.
   * `visit` must not insert or delete.
   */
  forEachInOrder(visit: (s: Server) => boolean): void {
    const a = this.a;
    if (a.length === 0) return;
    const f = this.frontier;
    f.length = 0;
    f.push(0);
    while (f.length > 0) {
      const i = this.popIndex();
      if (visit(a[i]!)) break;
      const l = 2 * i + 1;
      if (l < a.length) this.pushIndex(l);
      if (l + 1 < a.length) this.pushIndex(l + 1);
    }
    f.length = 0;
  }

  /** The servers in order (tests, `show` commands): O(n log n). */
  sorted(): Server[] {
    const out: Server[] = [];
    this.forEachInOrder((s) => {
      out.push(s);
      return false;
    });
    return out;
  }

  /** (k, q) sorts before the entry at index j. */
  private less(k: number, q: number, j: number): boolean {
    const kj = this.keys[j]!;
    return k < kj || (k === kj && q < this.seqs[j]!);
  }

  /** Entry i sorts before entry j. */
  private lessAt(i: number, j: number): boolean {
    return this.less(this.keys[i]!, this.seqs[i]!, j);
  }

  private grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    this.keys = k;
    const q = new Float64Array(this.seqs.length * 2);
    q.set(this.seqs);
    this.seqs = q;
  }

  private place(i: number, s: Server, k: number, q: number): void {
    this.a[i] = s;
    this.keys[i] = k;
    this.seqs[i] = q;
    s.lb.heap = i;
  }

  /** Sifts (s, k, q) up from the hole at i. */
  private up(i: number, s: Server, k: number, q: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(k, q, p)) break;
      this.place(i, this.a[p]!, this.keys[p]!, this.seqs[p]!);
      i = p;
    }
    this.place(i, s, k, q);
  }

  /** Sifts (s, k, q) down from the hole at i. */
  private down(i: number, s: Server, k: number, q: number): void {
    const n = this.a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.lessAt(l + 1, l) ? l + 1 : l;
      if (this.less(k, q, c)) break;
      this.place(i, this.a[c]!, this.keys[c]!, this.seqs[c]!);
      i = c;
    }
    this.place(i, s, k, q);
  }

  /** Pushes heap index `i` on the frontier, itself a heap of indexes. */
  private pushIndex(i: number): void {
    const f = this.frontier;
    let k = f.length;
    f.push(i);
    while (k > 0) {
      const p = (k - 1) >> 1;
      const pi = f[p]!;
      if (!this.lessAt(i, pi)) break;
      f[k] = pi;
      k = p;
    }
    f[k] = i;
  }

  /** Pops the index of the first server of the frontier. */
  private popIndex(): number {
    const f = this.frontier;
    const top = f[0]!;
    const last = f.pop()!;
    const n = f.length;
    if (n === 0) return top;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.lessAt(f[l + 1]!, f[l]!) ? l + 1 : l;
      const ci = f[c]!;
      if (!this.lessAt(ci, last)) break;
      f[k] = ci;
      k = c;
    }
    f[k] = last;
    return top;
  }
}
