/**
 * Balance algorithms at scale (issue 5, "Performance"): choosing a server
 * must cost O(1) or O(log n), so the pick rate with 1,000 servers in a
 * backend should stay within 10% of the rate with 2 servers, for every
 * algorithm.
 *
 * In-process, no sockets: each iteration is what a connection costs the
 * algorithm: pick() with a varying key, take() (the algorithm's
 * onConnectionStart) and, a few picks later, drop() (onConnectionEnd), so
 * load-aware algorithms (leastconn, random, bounded loads) keep a realistic
 * number of connections in flight. Rounds alternate 2 and 1,000 servers and
 * the median rate of each is kept.
 *
 * The pure pick rate also drops for O(1) algorithms once 1,000 Server
 * objects are touched (cache misses), so the table also projects what the
 * issue bounds, the connection rate: a connection costs `--conn-us`
 * microseconds of proxy CPU besides the pick (200 µs: bench/README.md,
 * `conn` scenario, 5,017 connections per CPU-second), and the projected
 * ratio is (conn + pick₂) / (conn + pick₁₀₀₀).
 *
 * roundrobin and leastconn keep their servers in binary heaps
 * (src/lb/server-heap.ts), O(log n) per pick, take and release; the pick
 * rate still drops at 1,000 servers from cache misses, as it does for the
 * O(1) lookups (static-rr, source).
 *
 *   node dist/bench/lb-scale.js [--rounds 5] [--ms 300] [--conn-us 200] [--only source,uri]
 */
import { Server, PendingQueue, type ServerOwner } from '../src/server/server.js';
import { createAlgorithm, type AlgorithmOptions, type BalanceAlgorithm, type PickContext } from '../src/lb/registry.js';
import type { HashTypeConfig } from '../src/config/model/proxy.js';
import type { SampleExpression } from '../src/sample/expression.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

const ROUNDS = Number(arg('rounds', '5'));
const MS = Number(arg('ms', '300'));
const ONLY = arg('only', '').split(',').filter((x) => x !== '');
const CONN_US = Number(arg('conn-us', '200'));

/** A backend stand-in that forwards slot changes to the algorithm, as Backend does. */
class BenchOwner implements ServerOwner {
  readonly name = 'bench';
  readonly typeLabel = 'backend' as const;
  readonly queue = new PendingQueue();
  activeCount = 0;
  backupCount = 0;
  algo: BalanceAlgorithm | undefined;
  onTake(s: Server): void {
    this.algo!.onConnectionStart(s);
  }
  onDrop(s: Server): void {
    this.algo!.onConnectionEnd(s);
  }
  onServerChange(): void {}
}

interface Case {
  name: string;
  balance: string;
  args?: string[];
  hashType?: HashTypeConfig;
  factor?: number;
}

const CONSISTENT: HashTypeConfig = { method: 'consistent', function: 'sdbm', avalanche: true };
const CASES: Case[] = [
  { name: 'roundrobin', balance: 'roundrobin' },
  { name: 'static-rr', balance: 'static-rr' },
  { name: 'leastconn', balance: 'leastconn' },
  { name: 'first', balance: 'first' },
  { name: 'random', balance: 'random' },
  { name: 'source', balance: 'source' },
  { name: 'source consistent', balance: 'source', hashType: CONSISTENT },
  { name: 'source bounded', balance: 'source', hashType: CONSISTENT, factor: 150 },
  { name: 'uri', balance: 'uri' },
  { name: 'uri consistent', balance: 'uri', hashType: CONSISTENT },
  { name: 'url_param', balance: 'url_param', args: ['user'] },
  { name: 'hdr', balance: 'hdr', args: ['host', 'use_domain_only'], hashType: CONSISTENT },
  { name: 'rdp-cookie', balance: 'rdp-cookie', hashType: CONSISTENT },
  { name: 'hash', balance: 'hash', hashType: CONSISTENT },
];

/** Pick contexts with varied keys, built once so the loop allocates nothing. */
function contexts(n: number): PickContext[] {
  const out: PickContext[] = [];
  for (let i = 0; i < n; i++) {
    const host = `www.site${i % 97}.example.com`;
    const user = `u${i}`;
    out.push({
      source: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      uri: `/static/${i % 31}/file${i}.png?user=${user}&x=1`,
      method: 'GET',
      header: (name) => (name === 'host' ? host : undefined),
      rdpCookie: () => user,
      fetchSample: () => user,
    });
  }
  return out;
}

const CTX = contexts(4096);

function build(c: Case, n: number): { algo: BalanceAlgorithm; servers: Server[] } {
  const owner = new BenchOwner();
  const servers = Array.from({ length: n }, (_, i) =>
    new Server({ name: `s${i + 1}`, place: { file: 'bench', line: 1 }, address: { family: 'ipv4', host: '127.0.0.1', port: 1, portEnd: 1, text: '127.0.0.1:1' }, weight: 1 + (i % 4) }, owner, i + 1),
  );
  owner.activeCount = n;
  const opts: AlgorithmOptions = {
    allBackups: false, args: c.args ?? [], hashType: c.hashType, hashBalanceFactor: c.factor, mode: 'http', expression: {} as SampleExpression,
  };
  const algo = createAlgorithm(c.balance, servers, opts);
  if (algo === undefined) throw new Error(`unknown algorithm ${c.balance}`);
  owner.algo = algo;
  return { algo, servers };
}

/** Connections per second through the algorithm: pick, take, and drop 8 picks later. */
function rate(c: Case, n: number, ms: number): number {
  const { algo } = build(c, n);
  const inflight: (Server | undefined)[] = new Array<Server | undefined>(8).fill(undefined);
  let i = 0;
  const step = (): void => {
    const slot = i & 7;
    inflight[slot]?.drop();
    const s = algo.pick(CTX[i & 4095]!);
    s?.take();
    inflight[slot] = s;
    i++;
  };
  for (let k = 0; k < 20_000; k++) step(); // warm up the JIT
  i = 0;
  const end = performance.now() + ms;
  let done = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) step();
    done += 1000;
  }
  return done / (ms / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const rows: string[] = [];
let worst = Infinity;
let worstConn = Infinity;
for (const c of CASES) {
  if (ONLY.length > 0 && !ONLY.includes(c.name) && !ONLY.includes(c.balance)) continue;
  const small: number[] = [];
  const large: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      small.push(rate(c, 2, MS));
      large.push(rate(c, 1000, MS));
    } else {
      large.push(rate(c, 1000, MS));
      small.push(rate(c, 2, MS));
    }
  }
  const a = median(small);
  const b = median(large);
  const ratio = b / a;
  const ns2 = 1e9 / a;
  const ns1000 = 1e9 / b;
  const conn = (CONN_US * 1000 + ns2) / (CONN_US * 1000 + ns1000);
  worst = Math.min(worst, ratio);
  worstConn = Math.min(worstConn, conn);
  rows.push(`| ${c.name} | ${(a / 1e6).toFixed(2)} | ${(b / 1e6).toFixed(2)} | ${ratio.toFixed(2)} | ${ns2.toFixed(0)} → ${ns1000.toFixed(0)} | ${conn.toFixed(4)}${conn < 0.9 ? ' ✗' : ''} |`);
}
console.log('| algorithm | 2 servers (M picks/s) | 1,000 servers (M picks/s) | pick rate ratio | ns per connection | projected connection rate ratio |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`\nworst pick rate ratio ${worst.toFixed(2)}; worst projected connection rate ratio ${worstConn.toFixed(4)} (target ≥ 0.90, with ${CONN_US} µs per connection)`);
