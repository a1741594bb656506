/**
 * A bounded load-and-abuse driver for `mode http` (test/integration/soak/http-*.test.ts).
 *
 * Why: the lead's freeze (commit e21c8b7, a server-pool purge gone quadratic)
 * only showed after thousands of keep-alive requests; every other test sent a
 * handful. This driver sends a few thousand requests in a few seconds, mixing
 * well-behaved traffic with what real clients and servers do wrong, and sorts
 * every request into an outcome so a test can assert that each one got a
 * complete, well-formed answer or a documented error, and that nothing hung.
 *
 * The origin ({@link soakOrigin}) picks its behaviour from the request path
 * `/s/<action>/<size>/<offset>`; every body is a slice of one shared random
 * buffer ({@link BODY}) so the client can check the exact bytes. Paths the
 * test's configuration is expected to handle itself: `/deny/...` (403 from an
 * `http-request deny`), `/redir/...` (302 from a `redirect`), `/down/...`
 * (503: a backend with no usable server).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, nextResponse, type H1Response } from './h1-messages.js';
import { BODY, prng, sha, sleep } from './soak-origin.js';

export { BODY, prng, sleep, soakOrigin, type SoakOrigin, type SoakOriginOptions } from './soak-origin.js';

/** Accumulates what a socket received and splits responses out of it. */
class Wire {
  buf: Buffer = Buffer.alloc(0);
  off = 0;
  closed = false;
  private wake: (() => void) | undefined;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => { this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]); this.poke(); });
    sock.on('close', () => { this.closed = true; this.poke(); });
    sock.on('end', () => { this.closed = true; this.poke(); });
    sock.on('error', () => { this.closed = true; this.poke(); });
  }
  private poke(): void { const w = this.wake; this.wake = undefined; w?.(); }
  changed(): Promise<void> { return new Promise((r) => { this.wake = r; }); }
  /** The next final response (1xx skipped, except 101), or null when the peer closed first. */
  async response(head: boolean): Promise<{ res: H1Response; truncated: boolean; interim: number } | null> {
    let interim = 0;
    for (;;) {
      const r = nextResponse(this.buf, this.off, { closed: this.closed, headRequest: head });
      if (r !== null) {
        this.off = r.end;
        if (r.msg.status >= 100 && r.msg.status < 200 && r.msg.status !== 101) { interim++; continue; }
        const cl = header(r.msg.headers, 'content-length');
        const chunkedCut = /chunked/i.test(header(r.msg.headers, 'transfer-encoding') ?? '') && this.closed && r.end === this.buf.length && !r.msg.raw.subarray(-5).equals(Buffer.from('0\r\n\r\n'));
        const truncated = r.msg.status === 0 || (!head && cl !== undefined && r.msg.body.length < Number(cl)) || (!head && chunkedCut);
        return { res: r.msg, truncated, interim };
      }
      if (this.closed) return null;
      await this.changed();
    }
  }
  /** Resolves once the peer closed (true) or after `ms` (false). */
  async closedWithin(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed) {
      const left = end - Date.now();
      if (left <= 0) return false;
      await Promise.race([this.changed(), sleep(left)]);
    }
    return true;
  }
}

/** The kinds of single requests a connection sends. */
export type RequestKind =
  | 'get' | 'head' | 'chunked' | 'slow' | 'echo' | 'echo-chunked' | 'early' | 'nocontent'
  | 'close' | 'rudeclose' | 'eof' | 'abort' | 'reset' | 'hang' | 'deny' | 'redirect' | 'down';

/** The kinds of connections the driver opens. */
export type ConnKind =
  | 'seq' | 'pipeline' | 'expect' | 'slow-reader' | 'abort-request' | 'abort-response'
  | 'bad' | 'slowloris' | 'http10' | 'upgrade';

export interface SoakOptions {
  readonly port: number;
  /** Total requests to send (stops opening connections past this). */
  readonly requests: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Relative weights of the connection kinds (missing: 0). */
  readonly conns: Partial<Record<ConnKind, number>>;
  /** Relative weights of the request kinds in seq/pipeline connections (missing: 0). */
  readonly reqs: Partial<Record<RequestKind, number>>;
  /** Largest body asked for or sent (default 64 KiB). */
  readonly maxBody?: number;
  /** A connection that has not finished after this long is a hang (default 4000 ms). */
  readonly hangMs?: number;
  /** Statuses accepted in place of any answer (e.g. 502/503 while a server dies). */
  readonly tolerated?: readonly number[];
  /** Status expected for a request that stays unanswered (default 504) and for slowloris (default 408). */
  readonly hangStatus?: number;
  readonly slowlorisStatus?: number;
  /** Origins killed during the run: their answers may be cut short. */
  readonly dying?: readonly string[];
  /** Expected `x-seen-xff` on echo requests (e.g. `127.0.0.1` with option forwardfor). */
  readonly xff?: string;
}

/** What a soak run saw. */
export interface SoakResult {
  /** Count per outcome: `ok`, `status:<n>` for tolerated/expected errors, `aborted` (by the client on purpose). */
  readonly outcomes: Record<string, number>;
  /** Everything that is a bug: malformed or truncated answers, wrong bytes, hangs (first 20). */
  readonly failures: string[];
  readonly failureCount: number;
  readonly requests: number;
  readonly connections: number;
}

const BAD_REQUESTS = [
  'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
  'G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
];

function weighted<K extends string>(rnd: ReturnType<typeof prng>, w: Partial<Record<K, number>>): K {
  const entries = Object.entries(w) as Array<[K, number]>;
  let total = 0;
  for (const [, v] of entries) total += v;
  let x = rnd.next() * total;
  for (const [k, v] of entries) { x -= v; if (x < 0) return k; }
  return entries[0]![0];
}

/** One planned request: its bytes (pieces sent with a short pause) and how to judge the answer. */
interface Planned {
  kind: RequestKind;
  pieces: Buffer[];
  head: boolean;
  check(res: H1Response): string | null;
  status: number;
}

function plan(rnd: ReturnType<typeof prng>, kind: RequestKind, maxBody: number, opts: SoakOptions, version = '1.1'): Planned {
  const size = rnd.int(0, maxBody);
  const from = rnd.int(0, BODY.length - maxBody);
  const want = BODY.subarray(from, from + size);
  const action = kind === 'get' || kind === 'head' ? 'ok' : kind === 'echo-chunked' ? 'echo' : kind;
  const prefix = kind === 'deny' || kind === 'redirect' || kind === 'down' ? `/${kind === 'redirect' ? 'redir' : kind}` : '/s';
  const target = `${prefix}/${action}/${size}/${from}`;
  const method = kind === 'head' ? 'HEAD' : kind.startsWith('echo') ? 'POST' : 'GET';
  const headLine = `${method} ${target} HTTP/${version}\r\nHost: soak.test\r\nUser-Agent: soak\r\n`;
  const bodyCheck = (res: H1Response): string | null => (res.body.equals(want) ? null : `body ${res.body.length} bytes, want ${want.length} (${res.body.length === want.length ? 'different bytes' : 'wrong length'})`);
  const p: Planned = { kind, pieces: [Buffer.from(`${headLine}\r\n`)], head: kind === 'head', status: 200, check: bodyCheck };
  switch (kind) {
    case 'head': p.check = (r) => (header(r.headers, 'content-length') === String(size) && r.body.length === 0 ? null : 'bad HEAD answer'); break;
    case 'nocontent': p.status = 204; p.check = (r) => (r.body.length === 0 ? null : 'body on 204'); break;
    case 'deny': p.status = 403; p.check = () => null; break;
    case 'down': p.status = 503; p.check = () => null; break;
    case 'hang': p.status = opts.hangStatus ?? 504; p.check = () => null; break;
    case 'reset': p.status = 502; p.check = () => null; break;
    case 'redirect': p.status = 302; p.check = (r) => (header(r.headers, 'location') !== undefined ? null : 'redirect without location'); break;
    case 'echo':
    case 'echo-chunked': {
      const up = BODY.subarray(from, from + size);
      const expectBody = `${up.length} ${sha(up)}`;
      p.check = (r) => {
        if (r.body.toString('latin1') !== expectBody) return `echo ${r.body.toString('latin1')} want ${expectBody}`;
        if (opts.xff !== undefined && header(r.headers, 'x-seen-xff') !== opts.xff) return `x-seen-xff ${header(r.headers, 'x-seen-xff')}`;
        return null;
      };
      if (kind === 'echo') p.pieces = [Buffer.concat([Buffer.from(`${headLine}Content-Length: ${size}\r\n\r\n`), up])];
      else {
        p.pieces = [Buffer.from(`${headLine}Transfer-Encoding: chunked\r\n\r\n`)];
        for (let q = 0; q < up.length;) {
          const n = Math.min(up.length - q, rnd.int(1, 16384));
          p.pieces.push(Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), up.subarray(q, q + n), Buffer.from('\r\n')]));
          q += n;
        }
        p.pieces.push(Buffer.from('0\r\n\r\n'));
      }
      break;
    }
  }
  return p;
}

/** Runs the soak: `concurrency` workers open connections until `requests` requests were sent. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const rnd = prng(opts.seed);
  const maxBody = opts.maxBody ?? 65536;
  const hangMs = opts.hangMs ?? 4000;
  const tolerated = new Set(opts.tolerated ?? []);
  const outcomes: Record<string, number> = {};
  const failures: string[] = [];
  let failureCount = 0;
  let sent = 0;
  let connections = 0;
  const count = (k: string): void => { outcomes[k] = (outcomes[k] ?? 0) + 1; };
  const fail = (msg: string): void => { failureCount++; if (failures.length < 20) failures.push(msg); };

  /** Judges one answer against its plan; returns whether the connection may carry on. */
  const judge = (ctx: string, p: Planned, got: Awaited<ReturnType<Wire['response']>>, first: boolean): boolean => {
    if (got === null) {
      // Closed before any answer: fine where the origin itself dropped the
      // request, and where a 502 is tolerated on a later keep-alive request
      // (haproxy closes silently instead: http_ana.c abort_keep_alive) or
      // during an upload (haproxy closes silently when the server resets
      // then; a proxy closing with unread upload bytes resets, which may
      // also drop a 502 already sent).
      const silentOk = !first || p.kind === 'echo' || p.kind === 'echo-chunked';
      if (p.kind === 'abort' || p.kind === 'reset' || tolerated.has(0) || (silentOk && tolerated.has(502))) { count('closed'); return false; }
      fail(`${ctx}: ${p.kind}: connection closed without an answer`);
      return false;
    }
    const { res, truncated } = got;
    if (truncated) {
      if (p.kind === 'abort' || tolerated.has(0) || opts.dying?.includes(header(res.headers, 'x-origin') ?? '')) { count('truncated'); return false; }
      fail(`${ctx}: ${p.kind}: truncated answer: ${res.raw.subarray(0, 200).toString('latin1')}`);
      return false;
    }
    if (res.status === p.status || (p.kind === 'abort' && res.status === 502)) {
      const bad = res.status === p.status ? p.check(res) : null;
      if (bad !== null) fail(`${ctx}: ${p.kind}: ${bad}`);
      else count(p.status === 200 ? 'ok' : `status:${res.status}`);
    } else if (tolerated.has(res.status)) count(`status:${res.status}`);
    else fail(`${ctx}: ${p.kind}: status ${res.status} want ${p.status}: ${res.raw.subarray(0, 300).toString('latin1')}`);
    return !/close/i.test(header(res.headers, 'connection') ?? '');
  };

  const connect = (): Promise<net.Socket> => new Promise((res) => {
    const s = net.connect({ port: opts.port, host: '127.0.0.1', allowHalfOpen: false });
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.once('connect', () => res(s));
    s.once('error', () => res(s));
  });

  const oneConnection = async (id: number): Promise<void> => {
    const kind = weighted(rnd, opts.conns);
    const ctx = `conn ${id} (${kind}, seed ${opts.seed})`;
    const sock = await connect();
    const wire = new Wire(sock);
    connections++;
    const reqKind = (): RequestKind => weighted(rnd, opts.reqs);
    const send = async (p: Planned): Promise<void> => {
      for (let i = 0; i < p.pieces.length; i++) {
        if (sock.destroyed) return;
        sock.write(p.pieces[i]!);
        if (i > 0 && i % 4 === 0) await sleep(1);
      }
    };
    switch (kind) {
      case 'seq':
      case 'http10': {
        const n = kind === 'http10' ? 1 : rnd.int(1, 10);
        for (let i = 0; i < n; i++) {
          const k = reqKind();
          const p = plan(rnd, k, maxBody, opts, kind === 'http10' ? '1.0' : '1.1');
          sent++;
          await send(p);
          if (!judge(ctx, p, await wire.response(p.head), i === 0)) break;
          if (k === 'abort' || k === 'reset' || k === 'eof') break;
        }
        if (kind === 'http10' && !(await wire.closedWithin(1500))) fail(`${ctx}: HTTP/1.0 connection left open`);
        break;
      }
      case 'pipeline': {
        const safe: RequestKind[] = ['get', 'head', 'chunked', 'echo', 'nocontent', 'deny'];
        const ps = Array.from({ length: rnd.int(2, 8) }, () => plan(rnd, rnd.pick(safe), maxBody >> 2, opts));
        sent += ps.length;
        sock.write(Buffer.concat(ps.flatMap((p) => p.pieces)));
        for (let i = 0; i < ps.length; i++) if (!judge(ctx, ps[i]!, await wire.response(ps[i]!.head), i === 0)) break;
        break;
      }
      case 'expect': {
        const size = rnd.int(1, maxBody);
        const from = rnd.int(0, BODY.length - size);
        const up = BODY.subarray(from, from + size);
        sent++;
        sock.write(`POST /s/echo/0/0 HTTP/1.1\r\nHost: soak.test\r\nExpect: 100-continue\r\nContent-Length: ${size}\r\n\r\n`);
        // RFC 9110 §10.1.1: a client may send the body without waiting; wait a little like curl.
        await Promise.race([wire.changed(), sleep(50)]);
        sock.write(up);
        const got = await wire.response(false);
        if (got !== null && tolerated.has(got.res.status)) count(`status:${got.res.status}`);
        // A server reset during the upload closes without an answer where a 502 is tolerated (as in judge()).
        else if (got === null && tolerated.has(502)) count('closed');
        else if (got === null || got.res.status !== 200 || got.res.body.toString('latin1') !== `${size} ${sha(up)}`) {
          fail(`${ctx}: expect: ${got === null ? 'closed' : got.res.raw.subarray(0, 200).toString('latin1')}`);
        } else count('ok');
        break;
      }
      case 'slow-reader': {
        // Asks for 2 MiB and stops reading for a while: the proxy must hold the
        // server back, then deliver every byte when the reader resumes (or, if
        // the reader gives up, release everything).
        const size = BODY.length;
        sent++;
        sock.pause();
        sock.write(`GET /s/ok/${size}/0 HTTP/1.1\r\nHost: soak.test\r\n\r\n`);
        await sleep(rnd.int(50, 250));
        if (rnd.next() < 0.5) { sock.destroy(); count('aborted'); break; }
        sock.resume();
        const got = await wire.response(false);
        if (got === null || got.truncated || got.res.status !== 200 || !got.res.body.equals(BODY)) {
          if (got !== null && tolerated.has(got.res.status)) count(`status:${got.res.status}`);
          else if (got?.truncated === true && opts.dying?.includes(header(got.res.headers, 'x-origin') ?? '')) count('truncated');
          else fail(`${ctx}: slow reader got ${got === null ? 'nothing' : `${got.res.status}, ${got.res.body.length} bytes${got.truncated ? ' (truncated)' : ''}`}`);
        } else count('ok');
        break;
      }
      case 'abort-request': {
        const p = plan(rnd, rnd.pick(['echo', 'echo-chunked'] as const), maxBody, opts);
        const all = Buffer.concat(p.pieces);
        sent++;
        sock.write(all.subarray(0, rnd.int(1, all.length - 1)));
        await sleep(rnd.int(0, 30));
        sock.destroy();
        count('aborted');
        break;
      }
      case 'abort-response': {
        sent++;
        sock.write(`GET /s/${rnd.pick(['slow', 'ok', 'chunked'])}/${maxBody}/0 HTTP/1.1\r\nHost: soak.test\r\n\r\n`);
        await wire.changed();
        sock.destroy();
        count('aborted');
        break;
      }
      case 'bad': {
        sent++;
        sock.write(rnd.pick(BAD_REQUESTS));
        const got = await wire.response(false);
        if (got === null || got.res.status !== 400) fail(`${ctx}: bad request got ${got === null ? 'nothing' : got.res.status}`);
        else if (!(await wire.closedWithin(1000))) fail(`${ctx}: connection left open after a 400`);
        else count('status:400');
        break;
      }
      case 'slowloris': {
        sent++;
        sock.write('GET /s/ok/10/0 HTTP/1.1\r\nHost: soak.test\r\nX-Slow: ');
        const got = await wire.response(false);
        const want = opts.slowlorisStatus ?? 408;
        if (got === null ? want !== 0 : got.res.status !== want) fail(`${ctx}: slowloris got ${got === null ? 'nothing' : got.res.status}, want ${want}`);
        else count(`status:${want}`);
        break;
      }
      case 'upgrade': {
        sent++;
        sock.write('GET /s/upgrade/0/0 HTTP/1.1\r\nHost: soak.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
        const got = await wire.response(false);
        if (got !== null && tolerated.has(got.res.status)) { count(`status:${got.res.status}`); break; }
        if (got === null || got.res.status !== 101) { fail(`${ctx}: upgrade got ${got === null ? 'nothing' : got.res.status}`); break; }
        const data = BODY.subarray(0, rnd.int(1, 32768));
        const start = wire.off;
        sock.write(data);
        while (wire.buf.length - start < data.length && !wire.closed) await wire.changed();
        if (wire.closed && opts.dying?.includes(header(got.res.headers, 'x-origin') ?? '')) count('truncated');
        else if (!wire.buf.subarray(start).equals(data)) fail(`${ctx}: tunnel echoed ${wire.buf.length - start} bytes of ${data.length}`);
        else count('ok');
        break;
      }
    }
    sock.end();
    if (!(await wire.closedWithin(hangMs))) sock.destroy();
  };

  let nextId = 0;
  const worker = async (): Promise<void> => {
    while (sent < opts.requests) {
      const id = nextId++;
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hang'>((r) => { timer = setTimeout(() => r('hang'), hangMs); });
      const r = await Promise.race([oneConnection(id), hung]);
      clearTimeout(timer);
      if (r === 'hang') fail(`conn ${id} (seed ${opts.seed}): no end after ${hangMs} ms`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { outcomes, failures, failureCount, requests: sent, connections };
}

/** Sends one GET on a new connection and resolves its status (0 on failure) within `ms`. */
export async function probe(port: number, ms = 1000): Promise<number> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.on('error', () => undefined);
  const wire = new Wire(sock);
  sock.write('GET /s/ok/5/0 HTTP/1.1\r\nHost: soak.test\r\nConnection: close\r\n\r\n');
  const got = await Promise.race([wire.response(false), sleep(ms).then(() => null)]);
  sock.destroy();
  return got?.res.status ?? 0;
}

/** Polls `cond` every 20 ms for `ms` at most; resolves whether it became true. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

// ---- the seed-like configuration ---------------------------------------------------

let page503: string | undefined;

/**
 * A seed-like configuration: forwardfor, deny/redirect/set-header rules,
 * cookie insert, an errorfile, one server that is down (refused, checked every
 * 100 ms), retries with redispatch, pool-purge-delay 100ms so purges run
 * during a soak, and timeouts of 200 ms to 1 s so they fire. Placeholders:
 * `${S1}`, `${S2}` (origins), `${DEAD}` (a port where nothing listens).
 * `s2Check` adds a fast health check to s2 (for tests that kill it).
 */
export function seedConfig(reuse: string, s2Check = false): string {
  if (page503 === undefined) {
    page503 = join(mkdtempSync(join(tmpdir(), 'soak-http-')), '503.http');
    writeFileSync(page503, 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nsoak 503\n');
  }
  return `
defaults
  mode http
  timeout connect 200ms
  timeout client 1s
  timeout server 500ms
  timeout http-request 300ms
  timeout http-keep-alive 300ms
  timeout tunnel 1s
  retries 2
  option redispatch
frontend fe
  bind \${ADDR:fe}
  option forwardfor
  http-request deny if { path_beg /deny }
  http-request redirect location /s/ok/1/0 code 302 if { path_beg /redir }
  http-request set-header x-soak %[src]
  http-response set-header x-served-by %s
  use_backend down if { path_beg /down }
  default_backend app
backend app
  balance roundrobin
  http-reuse ${reuse}
  default-server pool-purge-delay 100ms
  cookie SRV insert indirect nocache
  server s1 \${S1} cookie s1
  server s2 \${S2} cookie s2${s2Check ? ' check inter 100ms fall 1 rise 1' : ''}
  server s3 127.0.0.1:\${DEAD} cookie s3 check inter 100ms fall 1
backend down
  errorfile 503 ${page503}
  server d1 127.0.0.1:\${DEAD} disabled
`;
}

/** The full mix of connection and request kinds. */
export const CONNS: Partial<Record<ConnKind, number>> = {
  seq: 40, pipeline: 10, expect: 4, 'slow-reader': 2, 'abort-request': 4, 'abort-response': 4,
  bad: 4, slowloris: 1, http10: 4, upgrade: 3,
};
export const REQS: Partial<Record<RequestKind, number>> = {
  get: 30, head: 5, chunked: 10, slow: 4, echo: 10, 'echo-chunked': 6, early: 3, nocontent: 3,
  close: 3, eof: 2, abort: 1, reset: 1, hang: 0.3, deny: 3, redirect: 3, down: 2,
};

