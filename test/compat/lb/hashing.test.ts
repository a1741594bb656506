/**
 * Differential: the server haproxy 2.6 and Switchyard choose for the same
 * hash keys.
 *
 * 1. `balance source` end to end: the same configuration text runs in
 *    `haproxy -db` and `bin/switchyard.js -db`, one `listen` section per
 *    variant (map-based and consistent, each hash function, avalanche,
 *    weights, explicit ids, a disabled server, backups), and clients connect
 *    from many loopback addresses (127.0.0.0/8 is all loopback) with
 *    `localAddress`. Each origin answers its letter.
 * 2. Bounded loads (`hash-balance-factor`): connections held open one after
 *    the other; the sequence of servers must be the same.
 * 3. The layer-7 and sample keys (`uri` and its options, `url_param` with a
 *    POST body, `hdr()` with `use_domain_only`, `hash <expr>`, `rdp-cookie`):
 *    haproxy runs the requests; Switchyard's algorithm gets the same keys in
 *    a PickContext (the HTTP stream that will fill it lands separately).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';
import { makeServers } from '../../helpers/model-builder.js';
import { createAlgorithm, type PickContext } from '../../../src/lb/registry.js';
import type { HashTypeConfig } from '../../../src/config/model/proxy.js';
import type { SampleExpression } from '../../../src/sample/expression.js';

const LETTERS = 'abcdefghij';

interface Origins {
  ports: number[];
  close(): Promise<void>;
}

/**
 * One origin per server. `http`: answers a tiny response naming the server
 * once it has read a request head (and body, when Content-Length says so).
 * Otherwise: writes its letter at once and closes when the client does.
 */
async function origins(n: number, http: boolean): Promise<Origins> {
  const socks = new Set<net.Socket>();
  const servers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<net.Server>((resolve) => {
        const s = net.createServer({ allowHalfOpen: true }, (c) => {
          socks.add(c);
          c.on('close', () => socks.delete(c));
          c.on('error', () => undefined);
          const letter = LETTERS[i]!;
          if (!http) {
            c.write(letter);
            c.on('end', () => c.end());
            c.resume();
            return;
          }
          let buf = '';
          c.on('data', (d: Buffer) => {
            buf += d.toString('latin1');
            const head = buf.indexOf('\r\n\r\n');
            if (head < 0) return;
            const cl = /\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, head));
            if (cl !== null && buf.length < head + 4 + Number(cl[1])) return;
            c.end(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\n${letter}`);
          });
          c.on('end', () => c.end());
        });
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  return {
    ports: servers.map((s) => (s.address() as net.AddressInfo).port),
    close: async () => {
      for (const c of socks) c.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Loopback source addresses: the first ones in 127.0.0.x, then spread over 127.0.0.0/8. */
function sourceAddresses(n: number): string[] {
  const out: string[] = [];
  for (let i = 2; i < 24; i++) out.push(`127.0.0.${i}`);
  let x = 12345;
  while (out.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const a = (x >>> 8) & 0xff;
    const b = (x >>> 16) & 0xff;
    const c = ((x >>> 24) % 253) + 1;
    out.push(`127.${a}.${b}.${c}`);
  }
  return out;
}

/** One connection from `local`; resolves with the first byte the origin sent ('!' on error, '-' on nothing). */
function letterFrom(port: number, local: string, keepOpen?: net.Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', localAddress: local });
    let done = false;
    const finish = (v: string): void => {
      if (done) return;
      done = true;
      resolve(v);
    };
    c.on('data', (d: Buffer) => {
      finish(d.toString('latin1', 0, 1));
      if (keepOpen !== undefined) keepOpen.push(c);
      else c.end();
    });
    c.on('error', () => finish('!'));
    c.on('close', () => finish('-'));
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

interface SourceVariant {
  name: string;
  /** `hash-type` line (without the keyword), or none. */
  hashType?: string;
  weights: number[];
  /** Per-server extra keywords (`disabled`, `backup`, `id 17`). */
  extra?: Record<number, string>;
  factor?: number;
  /** Extra proxy lines (`option allbackups`). */
  lines?: string[];
}

const W6 = [1, 2, 3, 1, 4, 2];
const SOURCE_VARIANTS: SourceVariant[] = [
  { name: 'map_default', weights: W6 },
  { name: 'map_avalanche', hashType: 'map-based sdbm avalanche', weights: W6 },
  { name: 'map_crc32', hashType: 'map-based crc32', weights: W6 },
  { name: 'map_equal', weights: [1, 1, 1, 1, 1, 1, 1] },
  { name: 'map_disabled', hashType: 'map-based djb2 avalanche', weights: W6, extra: { 2: 'disabled' } },
  { name: 'cons_default', hashType: 'consistent', weights: W6 },
  { name: 'cons_djb2', hashType: 'consistent djb2', weights: W6 },
  { name: 'cons_wt6_aval', hashType: 'consistent wt6 avalanche', weights: W6 },
  { name: 'cons_crc32_aval', hashType: 'consistent crc32 avalanche', weights: [5, 1, 1, 8, 2, 3, 1] },
  { name: 'cons_ids', hashType: 'consistent', weights: [1, 1, 1, 1, 1], extra: { 0: 'id 17', 3: 'id 4000' } },
  { name: 'cons_disabled', hashType: 'consistent', weights: W6, extra: { 2: 'disabled', 4: 'disabled' } },
  { name: 'cons_weight0', hashType: 'consistent', weights: [1, 0, 2, 1, 3] },
  { name: 'cons_backups', hashType: 'consistent', weights: [1, 1, 1, 1, 1], extra: { 0: 'disabled', 1: 'disabled', 2: 'backup', 3: 'backup', 4: 'backup' } },
  { name: 'map_backups', weights: [1, 1, 1, 2, 1], extra: { 0: 'disabled', 1: 'disabled', 2: 'backup', 3: 'backup', 4: 'backup' } },
  // lb_map.c: with only the first backup in use the table has its weight as
  // size but every backup competes for the slots, so a heavier later backup
  // takes slot 0 (the one used when a single server is in use).
  { name: 'map_backup_quirk', weights: [1, 2, 5, 1], extra: { 0: 'disabled', 1: 'backup', 2: 'backup', 3: 'backup' } },
  { name: 'map_allbackups', weights: [1, 2, 5, 1, 3], extra: { 0: 'disabled', 1: 'backup', 2: 'backup', 3: 'backup', 4: 'backup' }, lines: ['option allbackups'] },
  { name: 'cons_allbackups', hashType: 'consistent', weights: [1, 2, 5, 1, 3], extra: { 0: 'disabled', 1: 'backup', 2: 'backup', 3: 'backup', 4: 'backup' }, lines: ['option allbackups'] },
];

function sourceConfig(variants: readonly SourceVariant[], ports: readonly number[], balance = 'source'): string {
  const lines = ['global', '  nbthread 1', 'defaults', '  mode tcp', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s'];
  for (const v of variants) {
    lines.push(`listen ${v.name}`, `  bind \${ADDR:${v.name}}`, `  balance ${balance}`);
    if (v.hashType !== undefined) lines.push(`  hash-type ${v.hashType}`);
    if (v.factor !== undefined) lines.push(`  hash-balance-factor ${v.factor}`);
    for (const l of v.lines ?? []) lines.push(`  ${l}`);
    v.weights.forEach((w, i) => lines.push(`  server s${LETTERS[i]} 127.0.0.1:${ports[i]} weight ${w} ${v.extra?.[i] ?? ''}`.trimEnd()));
  }
  return `${lines.join('\n')}\n`;
}

async function sourcePicks(kind: ProxyKind, config: string, variants: readonly SourceVariant[], addrs: readonly string[]): Promise<Record<string, string>> {
  const p = await startProxy(kind, config);
  try {
    const out: Record<string, string> = {};
    for (const v of variants) {
      const port = p.ports[v.name]!;
      out[v.name] = (await mapLimit(addrs, 16, (a) => letterFrom(port, a))).join('');
    }
    return out;
  } finally {
    await p.stop();
  }
}

test('balance source: same server as haproxy for 120 client addresses, map-based and consistent, every hash function', { skip: !haproxyAvailable() }, async () => {
  const o = await origins(7, false);
  try {
    const addrs = sourceAddresses(120);
    const cfg = sourceConfig(SOURCE_VARIANTS, o.ports);
    const theirs = await sourcePicks('haproxy', cfg, SOURCE_VARIANTS, addrs);
    const ours = await sourcePicks('switchyard', cfg, SOURCE_VARIANTS, addrs);
    for (const v of SOURCE_VARIANTS) {
      assert.ok(!/[!-]/.test(theirs[v.name]!), `haproxy failed some connections on ${v.name}: ${theirs[v.name]}`);
      assert.equal(ours[v.name], theirs[v.name], `variant ${v.name}`);
    }
    // The hash function is not used by `balance source` (backend.c get_server_sh()), only avalanche.
    assert.equal(theirs['map_crc32'], theirs['map_default']);
    assert.notEqual(theirs['map_avalanche'], theirs['map_default']);
    assert.match(theirs['map_backup_quirk']!, /^c+$/, 'the heavier second backup owns slot 0');
    assert.equal(new Set(theirs['map_allbackups']).size, 4, 'allbackups spreads over every backup');
  } finally {
    await o.close();
  }
});

test('hash-balance-factor: the same servers as haproxy while connections pile up', { skip: !haproxyAvailable() }, async () => {
  const variants: SourceVariant[] = [
    { name: 'bounded', hashType: 'consistent', weights: [1, 2, 1, 1, 3], factor: 125 },
    { name: 'bounded_tight', hashType: 'consistent', weights: [1, 1, 1, 1, 1, 1], factor: 101 },
  ];
  const o = await origins(6, false);
  try {
    const addrs = sourceAddresses(40);
    const cfg = sourceConfig(variants, o.ports);
    const run = async (kind: ProxyKind): Promise<string[]> => {
      const p = await startProxy(kind, cfg);
      const held: net.Socket[] = [];
      try {
        const res: string[] = [];
        for (const v of variants) {
          let seq = '';
          // Sequential: each connection is assigned (and its server answered) before the next starts.
          for (const a of addrs) seq += await letterFrom(p.ports[v.name]!, a, held);
          res.push(seq);
          for (const c of held.splice(0)) c.destroy();
          await new Promise((r) => setTimeout(r, 50));
        }
        return res;
      } finally {
        for (const c of held) c.destroy();
        await p.stop();
      }
    };
    const theirs = await run('haproxy');
    const ours = await run('switchyard');
    assert.deepEqual(ours, theirs);
    // factor 101 over 6 equal servers: none holds more than ceil(40 * 1.01 / 6) = 7.
    const counts = new Map<string, number>();
    for (const c of theirs[1]!) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.ok(Math.max(...counts.values()) <= 7, `bounded: ${theirs[1]}`);
  } finally {
    await o.close();
  }
});

/** One HTTP/1.1 request on its own connection; resolves with the body's first byte. */
function httpLetter(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let d = '';
    c.on('data', (x: Buffer) => (d += x.toString('latin1')));
    c.on('error', () => resolve('!'));
    c.on('close', () => {
      const i = d.indexOf('\r\n\r\n');
      resolve(i < 0 ? '-' : (d[i + 4] ?? '-'));
    });
    c.write(raw);
  });
}

interface L7Request {
  raw: string;
  ctx: PickContext;
}

function get(target: string, headers: Record<string, string> = {}): L7Request {
  // haproxy answers 400 when an absolute URI's authority differs from Host.
  const authority = /^[a-z]+:\/\/([^/?]*)/.exec(target)?.[1];
  const all: Record<string, string> = { host: 'test', ...headers };
  if (authority !== undefined) all['host'] = authority;
  // `use_domain_only` reads one byte past the Host value (backend.c
  // get_server_hh()): another header must follow it, else haproxy reads
  // stale buffer memory there (`connection` is dropped from the message).
  const h = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const lower = new Map(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    raw: `GET ${target} HTTP/1.1\r\n${h}x-after: 1\r\nconnection: close\r\n\r\n`,
    ctx: { uri: target, method: 'GET', header: (n: string) => lower.get(n.toLowerCase()), fetchSample: () => lower.get('x-key') },
  };
}

function post(target: string, body: string): L7Request {
  return {
    raw: `POST ${target} HTTP/1.1\r\nhost: test\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    ctx: { uri: target, method: 'POST', body: Buffer.from(body, 'latin1'), header: (n: string) => (n.toLowerCase() === 'host' ? 'test' : undefined) },
  };
}

/** Keys over many shapes: paths of several depths, query strings, absolute URIs. */
function uriRequests(): L7Request[] {
  const out: L7Request[] = [];
  for (let i = 0; i < 40; i++) {
    const seg = (k: number): string => `s${(i * 7 + k * 13) % 23}`;
    const depth = (i % 4) + 1;
    let path = '';
    for (let k = 0; k < depth; k++) path += `/${seg(k)}`;
    const q = i % 3 === 0 ? '' : `?id=${i}&user=u${i % 11}`;
    const target = i % 5 === 4 ? `http://h${i}.example.com${path}${q}` : `${path}${q}`;
    out.push(get(target, { 'x-key': `key-${i * 31}`, host: `w${i % 6}.site${i}.example${i % 4 === 0 ? '.org:8080' : '.com'}` }));
  }
  out.push(get('/'), get('/?user=zz'), get('http://example.com'), get('/a?user='), get('/a?xuser=3&user=q&user=r'));
  out.push(get('/nohost', { host: 'localhost' }), get('/emptykey', { 'x-key': '' }));
  for (let i = 0; i < 6; i++) out.push(post('/form', `a=1&user=p${i}&b=2`));
  out.push(post('/form?user=inquery', 'user=inbody'), post('/form', 'user= spaced'), post('/form', 'nothing=here'), post('/form', 'user=\x01bin'));
  return out;
}

interface L7Variant {
  name: string;
  balance: string;
  hashType?: string;
  weights: number[];
}

const L7_WEIGHTS = [1, 3, 2, 1, 2];
const L7_VARIANTS: L7Variant[] = [];
for (const ht of [undefined, 'map-based djb2', 'consistent', 'consistent wt6', 'consistent crc32 avalanche', 'map-based sdbm avalanche']) {
  const tag = (ht ?? 'default').replace(/[^a-z0-9]+/g, '_');
  L7_VARIANTS.push(
    { name: `uri_${tag}`, balance: 'uri', hashType: ht, weights: L7_WEIGHTS },
    { name: `urlp_${tag}`, balance: 'url_param user check_post', hashType: ht, weights: L7_WEIGHTS },
    { name: `hdr_${tag}`, balance: 'hdr(x-key)', hashType: ht, weights: L7_WEIGHTS },
    { name: `dom_${tag}`, balance: 'hdr(host) use_domain_only', hashType: ht, weights: L7_WEIGHTS },
    { name: `expr_${tag}`, balance: 'hash req.hdr(x-key)', hashType: ht, weights: L7_WEIGHTS },
  );
}
L7_VARIANTS.push(
  { name: 'uri_whole', balance: 'uri whole', weights: L7_WEIGHTS },
  { name: 'uri_len', balance: 'uri len 5', hashType: 'consistent', weights: L7_WEIGHTS },
  { name: 'uri_depth', balance: 'uri depth 2', weights: L7_WEIGHTS },
  { name: 'uri_path_only', balance: 'uri path-only', hashType: 'consistent', weights: L7_WEIGHTS },
  { name: 'uri_path_whole', balance: 'uri path-only whole depth 3', weights: L7_WEIGHTS },
  { name: 'uri_one_server', balance: 'uri', weights: [2] },
);

function l7Config(variants: readonly L7Variant[], ports: readonly number[]): string {
  const lines = ['global', '  nbthread 1', 'defaults', '  mode http', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s'];
  for (const v of variants) {
    lines.push(`listen ${v.name}`, `  bind \${ADDR:${v.name}}`, `  balance ${v.balance}`);
    if (v.hashType !== undefined) lines.push(`  hash-type ${v.hashType}`);
    v.weights.forEach((w, i) => lines.push(`  server s${LETTERS[i]} 127.0.0.1:${ports[i]} weight ${w}`));
  }
  return `${lines.join('\n')}\n`;
}

function hashTypeOf(text: string | undefined): HashTypeConfig | undefined {
  if (text === undefined) return undefined;
  const [method, fn, mod] = text.split(' ') as ['map-based' | 'consistent', HashTypeConfig['function'] | undefined, string | undefined];
  if (fn === undefined) return { method, function: 'sdbm', avalanche: method === 'consistent' };
  return { method, function: fn, avalanche: mod === 'avalanche' };
}

/** Switchyard's picks for a variant, one fresh algorithm per run as one haproxy process per run. */
function ourPicks(v: L7Variant, reqs: readonly L7Request[]): string {
  const { servers } = makeServers(v.weights);
  const words = v.balance.split(' ');
  const algo = createAlgorithm(words[0], servers, {
    allBackups: false,
    args: words.slice(1),
    hashType: hashTypeOf(v.hashType),
    mode: 'http',
    expression: {} as SampleExpression,
  });
  assert.ok(algo !== undefined, v.balance);
  return reqs.map((r) => LETTERS[servers.indexOf(algo.pick(r.ctx)!)] ?? '-').join('');
}

test('uri, url_param, hdr, hash <expr>: the same server as haproxy for the same request keys', { skip: !haproxyAvailable() }, async () => {
  const o = await origins(5, true);
  try {
    const reqs = uriRequests();
    const p = await startProxy('haproxy', l7Config(L7_VARIANTS, o.ports));
    const theirs: Record<string, string> = {};
    try {
      for (const v of L7_VARIANTS) {
        // Sequential: keys that fall back to round robin depend on the order.
        let s = '';
        for (const r of reqs) s += await httpLetter(p.ports[v.name]!, r.raw);
        theirs[v.name] = s;
      }
    } finally {
      await p.stop();
    }
    for (const v of L7_VARIANTS) assert.equal(ourPicks(v, reqs), theirs[v.name], `variant ${v.name} (${v.balance} / ${v.hashType ?? 'default'})`);
  } finally {
    await o.close();
  }
});

/** An X.224 connection request carrying an RDP cookie (the 11 bytes before "Cookie:" are TPKT + X.224 headers). */
function rdpRequest(user: string): string {
  const cookie = `Cookie: mstshash=${user}\r\n`;
  const len = 11 + cookie.length;
  return `\x03\x00${String.fromCharCode(len >> 8, len & 0xff)}${String.fromCharCode(cookie.length + 6)}\xe0\x00\x00\x00\x00\x00${cookie}`;
}

test('rdp-cookie: the same server as haproxy for the same cookie values', { skip: !haproxyAvailable() }, async () => {
  const o = await origins(5, false);
  const users = Array.from({ length: 40 }, (_, i) => `user${i * 17}`);
  const variants = [
    { name: 'rdp_map', hashType: undefined },
    { name: 'rdp_cons', hashType: 'consistent' },
    { name: 'rdp_crc', hashType: 'map-based crc32 avalanche' },
  ];
  try {
    const lines = ['global', '  nbthread 1', 'defaults', '  mode tcp', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s'];
    for (const v of variants) {
      lines.push(`listen ${v.name}`, `  bind \${ADDR:${v.name}}`, '  balance rdp-cookie', '  tcp-request inspect-delay 2s', '  tcp-request content accept if RDP_COOKIE');
      if (v.hashType !== undefined) lines.push(`  hash-type ${v.hashType}`);
      L7_WEIGHTS.forEach((w, i) => lines.push(`  server s${LETTERS[i]} 127.0.0.1:${o.ports[i]} weight ${w}`));
    }
    const p = await startProxy('haproxy', `${lines.join('\n')}\n`);
    const theirs: Record<string, string> = {};
    try {
      for (const v of variants) {
        let s = '';
        for (const u of users) {
          s += await new Promise<string>((resolve) => {
            const c = net.connect({ port: p.ports[v.name]!, host: '127.0.0.1' });
            c.on('data', (d: Buffer) => {
              resolve(d.toString('latin1', 0, 1));
              c.destroy();
            });
            c.on('error', () => resolve('!'));
            c.on('close', () => resolve('-'));
            c.write(Buffer.from(rdpRequest(u), 'latin1'));
          });
        }
        theirs[v.name] = s;
      }
    } finally {
      await p.stop();
    }
    for (const v of variants) {
      const { servers } = makeServers(L7_WEIGHTS);
      const algo = createAlgorithm('rdp-cookie', servers, { allBackups: false, args: [], hashType: hashTypeOf(v.hashType) })!;
      const ours = users.map((u) => LETTERS[servers.indexOf(algo.pick({ rdpCookie: (n) => (n === 'mstshash' ? u : undefined) })!)]).join('');
      assert.equal(ours, theirs[v.name], v.name);
    }
  } finally {
    await o.close();
  }
});
