/**
 * The soak driver's origin (test/helpers/soak.ts): an HTTP/1.1 server whose
 * behaviour comes from the request path `/s/<action>/<size>/<offset>`, with
 * the misbehaviour of real servers on top (idle keep-alive connections
 * closed without a word, a limit of requests per connection, dying and
 * coming back); every body is a slice of {@link BODY}, so that the client
 * can check the exact bytes.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { header, nextRequest, parseHead, type H1Request } from './h1-messages.js';

/** 2 MiB of seeded pseudo-random bytes: every body is a slice of it. */
export const BODY: Buffer = (() => {
  const b = Buffer.alloc(2 << 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
})();

/** A small seeded PRNG (mulberry32) so a failing run can be replayed with its seed. */
export function prng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

/** A short digest of `b`, for comparing bodies in messages. */
export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the origin ---------------------------------------------------------------

/** Origin-side misbehaviour applied to every connection. */
export interface SoakOriginOptions {
  readonly name: string;
  /** Close an idle keep-alive connection after this many ms (random in [lo, hi]); default never. */
  readonly idleCloseMs?: readonly [number, number];
  /** Answer with `connection: close` after this many requests on a connection (random in [lo, hi]). */
  readonly maxPerConn?: readonly [number, number];
  readonly seed?: number;
}

/** A running soak origin. */
export interface SoakOrigin {
  readonly name: string;
  port: number;
  readonly addr: string;
  /** Connections currently open, requests answered, connections accepted. */
  readonly open: Set<net.Socket>;
  requests: number;
  accepted: number;
  /** Stops listening and resets every open connection (a server that dies). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

function respondHead(status: number, reason: string, fields: string[]): string {
  return `HTTP/1.1 ${status} ${reason}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
}

/**
 * Starts an origin answering `/s/<action>/<size>/<offset>`:
 * `ok` (content-length), `chunked` (random chunk sizes), `slow` (three writes
 * 20 ms apart), `close` (then closes), `eof` (close-delimited body), `abort`
 * (half the body, then a reset), `reset` (reset before answering), `hang`
 * (never answers), `early` (103 then 200), `nocontent` (204), `echo` (body
 * `<length> <sha>` of the request body, headers `x-seen-xff`), `upgrade`
 * (101 then echoes bytes). It answers pipelined requests in order and sends
 * `100 Continue` to `Expect: 100-continue`.
 */
export async function soakOrigin(opts: SoakOriginOptions): Promise<SoakOrigin> {
  const rnd = prng(opts.seed ?? 1);
  const open = new Set<net.Socket>();
  const onConn = (s: net.Socket): void => {
    o.accepted++;
    open.add(s);
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('close', () => open.delete(s));
    let buf: Buffer = Buffer.alloc(0);
    let off = 0;
    let busy = false;
    let served = 0;
    let tunnel = false;
    let continued = -1;
    let ended = false;
    let hanging = false;
    let idle: NodeJS.Timeout | undefined;
    const limit = opts.maxPerConn ? rnd.int(opts.maxPerConn[0], opts.maxPerConn[1]) : Infinity;
    const pump = (): void => {
      while (!busy && !tunnel && !s.destroyed) {
        const r = nextRequest(buf, off);
        if (r === null) {
          const h = parseHead(buf, off);
          if (h !== null && continued !== off && /100-continue/i.test(header(h.headers, 'expect') ?? '')) {
            continued = off;
            s.write('HTTP/1.1 100 Continue\r\n\r\n');
          }
          if (off === buf.length && opts.idleCloseMs && idle === undefined && served > 0) {
            idle = setTimeout(() => s.end(), rnd.int(opts.idleCloseMs[0], opts.idleCloseMs[1]));
          }
          return;
        }
        off = r.end;
        if (off === buf.length) { buf = Buffer.alloc(0); off = 0; }
        busy = true;
        served++;
        o.requests++;
        void answer(s, r.msg, served >= limit).then((keep) => {
          busy = false;
          // The proxy's FIN came during the answer: close our side too (a hang included).
          if (ended && !tunnel) { s.end(); return; }
          if (!keep) return;
          if (tunnel) { if (buf.length > off) s.write(buf.subarray(off)); buf = Buffer.alloc(0); off = 0; return; }
          pump();
        });
      }
    };
    const answer = async (s: net.Socket, req: H1Request, last: boolean): Promise<boolean> => {
      const [, , action = 'ok', sizeText = '0', offText = '0'] = req.target.split('?')[0]!.split('/');
      const size = Number(sizeText) || 0;
      const from = Number(offText) || 0;
      const body = BODY.subarray(from, from + size);
      const conn = last ? ['connection: close'] : [];
      const common = [`x-origin: ${opts.name}`, ...conn];
      const head = req.method === 'HEAD';
      switch (action) {
        case 'hang': hanging = true; return false;
        case 'reset': s.resetAndDestroy(); return false;
        case 'nocontent': s.write(respondHead(204, 'No Content', common)); break;
        case 'early':
          s.write(respondHead(103, 'Early Hints', ['link: </a.css>; rel=preload']));
          await sleep(5);
          s.write(respondHead(200, 'OK', [...common, `content-length: ${body.length}`]));
          if (!head) s.write(body);
          break;
        case 'chunked': {
          s.cork();
          s.write(respondHead(200, 'OK', [...common, 'transfer-encoding: chunked']));
          if (!head) {
            for (let p = 0; p < body.length;) {
              const n = Math.min(body.length - p, rnd.int(1, 8192));
              s.write(`${n.toString(16)}\r\n`); s.write(body.subarray(p, p + n)); s.write('\r\n');
              p += n;
            }
            s.write('0\r\n\r\n');
          }
          s.uncork();
          break;
        }
        case 'slow': {
          s.write(respondHead(200, 'OK', [...common, `content-length: ${body.length}`]));
          if (head) break;
          const third = Math.ceil(body.length / 3);
          for (let p = 0; p < body.length; p += third) {
            await sleep(20);
            if (s.destroyed) return false;
            s.write(body.subarray(p, p + third));
          }
          break;
        }
        case 'eof':
          s.write(respondHead(200, 'OK', [`x-origin: ${opts.name}`, 'connection: close']));
          if (head) s.end(); else s.end(body);
          return false;
        case 'abort':
          s.write(respondHead(200, 'OK', [...common, `content-length: ${body.length}`]));
          s.write(body.subarray(0, body.length >> 1));
          await sleep(10);
          s.resetAndDestroy();
          return false;
        case 'echo': {
          const out = Buffer.from(`${req.body.length} ${sha(req.body)}`);
          const xff = header(req.headers, 'x-forwarded-for') ?? '-';
          s.write(respondHead(200, 'OK', [...common, `x-seen-xff: ${xff}`, `content-length: ${out.length}`]) + out.toString('latin1'));
          break;
        }
        case 'upgrade':
          if (!/upgrade/i.test(header(req.headers, 'connection') ?? '')) {
            s.write(respondHead(426, 'Upgrade Required', [...common, 'content-length: 0']));
            break;
          }
          // RFC 6455 §4.2.2: haproxy 2.6 checks the accept key of a websocket 101 (else 502).
          s.write(respondHead(101, 'Switching Protocols', [`x-origin: ${opts.name}`, 'connection: upgrade', 'upgrade: websocket',
            `sec-websocket-accept: ${createHash('sha1').update(`${header(req.headers, 'sec-websocket-key') ?? ''}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')}`]));
          tunnel = true;
          s.on('data', (d: Buffer) => s.write(d));
          s.on('end', () => s.end());
          return true;
        default: {
          // `close` announces it; `rudeclose` closes a keep-alive connection
          // without a word (the race every pool must survive).
          const fields = action === 'close' && !last ? [...common, 'connection: close'] : common;
          s.write(respondHead(200, 'OK', [...fields, `content-length: ${body.length}`]));
          if (!head) s.write(body);
          if (action === 'close' || action === 'rudeclose') { s.end(); return false; }
        }
      }
      if (last) { s.end(); return false; }
      return true;
    };
    s.on('data', (d: Buffer) => {
      if (idle !== undefined) { clearTimeout(idle); idle = undefined; }
      if (tunnel) return;
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      pump();
    });
    // A hanging answer never comes, but the server still closes when the proxy does.
    s.on('end', () => { ended = true; if (!tunnel && (!busy || hanging)) s.end(); });
    s.on('close', () => { if (idle !== undefined) clearTimeout(idle); });
  };
  let server = net.createServer({ allowHalfOpen: true }, onConn);
  const listen = (port: number): Promise<void> =>
    new Promise((res, rej) => { server.once('error', rej); server.listen(port, '127.0.0.1', () => { server.off('error', rej); res(); }); });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const o: SoakOrigin = {
    name: opts.name,
    port,
    addr: `127.0.0.1:${port}`,
    open,
    requests: 0,
    accepted: 0,
    kill: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of open) s.resetAndDestroy();
      // Bounded: a socket that does not close must not hold the test file (180 s runner timeout).
      await Promise.race([closed, sleep(3000)]);
      for (const s of open) s.destroy();
      server.unref();
    },
    revive: async () => {
      server = net.createServer({ allowHalfOpen: true }, onConn);
      await listen(port);
    },
    close: () => o.kill(),
  };
  return o;
}

// ---- the client -----------------------------------------------------------------

