/**
 * Real backends on 127.0.0.1:0 that record exactly the bytes they received.
 *
 *   tcpOrigin   raw TCP echo / recorder (optionally speaks first)
 *   httpOrigin  HTTP/1.1 on raw `net` sockets: answers 200 with a body naming
 *               the server, records each raw request; replies are
 *               configurable (status, headers, raw bytes, delays, closes)
 *   tlsOrigin   the same over TLS (certificates from certs.ts), recording
 *               SNI, ALPN and the client certificate of each connection
 *   wsOrigin    a websocket echo server (the `ws` package) behind a raw
 *               socket, so the upgrade request is recorded byte for byte
 *
 * Every origin has `port`, `addr`, `received` (one Buffer per connection, in
 * accept order, growing as bytes arrive), `reset()` and `close()`.
 * Sockets are `allowHalfOpen`, so a half-close from the proxy is observable.
 */
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { getCerts } from './certs.js';
import { header, nextRequest, parseHead, type H1Request, type HeaderList } from './h1-messages.js';

export interface Origin {
  readonly name: string;
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly addr: string;
  /** Bytes received, one Buffer per accepted connection, in accept order. */
  readonly received: Buffer[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Forgets what was recorded (open connections keep recording into new slots). */
  reset(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** A connection-level record shared by the origins. */
interface ConnRecord {
  chunks: Buffer[];
  generation: number;
}

/** Tracks connections and their bytes; the common part of every origin. */
class Recorder {
  private conns: ConnRecord[] = [];
  private generation = 0;
  readonly sockets = new Set<net.Socket>();

  open(socket: net.Socket): ConnRecord {
    const rec: ConnRecord = { chunks: [], generation: this.generation };
    this.conns.push(rec);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return rec;
  }

  data(rec: ConnRecord, chunk: Buffer): void {
    if (rec.generation === this.generation) rec.chunks.push(Buffer.from(chunk));
  }

  get received(): Buffer[] {
    return this.conns.filter((c) => c.generation === this.generation).map((c) => Buffer.concat(c.chunks));
  }

  get count(): number {
    return this.conns.filter((c) => c.generation === this.generation).length;
  }

  reset(): void {
    this.generation++;
    this.conns = [];
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const a = server.address();
  if (typeof a !== 'object' || a === null) throw new Error('origin: no address');
  return a.port;
}

function closer(server: net.Server, rec: Recorder): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      rec.destroyAll();
    });
    return done;
  };
}

let counter = 0;
const nextName = (prefix: string): string => `${prefix}${++counter}`;

// ---------------------------------------------------------------------------
// TCP

export interface TcpOriginOptions {
  readonly name?: string;
  /** Echo what is received (default true); false only records. */
  readonly echo?: boolean;
  /** Bytes sent as soon as a connection is accepted (server-speaks-first protocols). */
  readonly banner?: string | Buffer;
  /** Close each connection this long after accepting it. */
  readonly closeAfterMs?: number;
  /** Close our side when the peer half-closes (default true; false keeps writing possible). */
  readonly endOnEnd?: boolean;
}

export type TcpOrigin = Origin;

function wireTcp(socket: net.Socket, rec: Recorder, opts: TcpOriginOptions): void {
  const r = rec.open(socket);
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  if (opts.banner !== undefined) socket.write(opts.banner);
  socket.on('data', (d: Buffer) => {
    rec.data(r, d);
    if (opts.echo ?? true) socket.write(d);
  });
  socket.on('end', () => {
    if (opts.endOnEnd ?? true) socket.end();
  });
  if (opts.closeAfterMs !== undefined) {
    const t = setTimeout(() => socket.end(), opts.closeAfterMs);
    socket.once('close', () => clearTimeout(t));
  }
}

/** A raw TCP echo server (or recorder with `echo: false`) on 127.0.0.1:0. */
export async function tcpOrigin(opts: TcpOriginOptions = {}): Promise<TcpOrigin> {
  const rec = new Recorder();
  const server = net.createServer({ allowHalfOpen: true }, (s) => wireTcp(s, rec, opts));
  const port = await listen(server);
  return originOf(opts.name ?? nextName('tcp'), port, rec, closer(server, rec));
}

function originOf(name: string, port: number, rec: Recorder, close: () => Promise<void>): Origin {
  return {
    name,
    port,
    addr: `127.0.0.1:${port}`,
    get received() {
      return rec.received;
    },
    get connections() {
      return rec.count;
    },
    reset: () => rec.reset(),
    close,
  };
}

// ---------------------------------------------------------------------------
// HTTP

/** A recorded request: the parsed message plus where it came from. */
export interface RecordedRequest extends H1Request {
  /** Index of the connection in `received` (accept order). */
  readonly connection: number;
  /** Position of the request on its connection (0 for the first). */
  readonly indexOnConnection: number;
}

/** What an HTTP origin answers to one request. */
export type OriginReply =
  | {
      readonly status?: number;
      readonly reason?: string;
      /** Extra or replacing headers; Content-Length is added unless given or `chunked`. */
      readonly headers?: HeaderList | Readonly<Record<string, string>>;
      readonly body?: string | Buffer;
      /** Send the body with Transfer-Encoding: chunked, one chunk per element. */
      readonly chunks?: ReadonlyArray<string | Buffer>;
      /** Wait this long before answering. */
      readonly delayMs?: number;
      /** Close the connection after this response. */
      readonly close?: boolean;
    }
  /** Bytes written verbatim (no framing added); `close` closes after writing. */
  | { readonly raw: string | Buffer; readonly delayMs?: number; readonly close?: boolean }
  /** Close (FIN) without answering / reset (RST) / never answer. */
  | 'close'
  | 'reset'
  | 'hang';

export type Responder = (req: RecordedRequest, origin: { name: string }) => OriginReply | Promise<OriginReply>;

export interface HttpOriginOptions {
  readonly name?: string;
  /** Decides each reply; default: 200 with the origin's name as body. */
  readonly respond?: Responder;
  /** Delay applied to every default reply. */
  readonly delayMs?: number;
}

export interface HttpOrigin extends Origin {
  /** Every complete request received, in arrival order. */
  readonly requests: RecordedRequest[];
}

function defaultReply(name: string, delayMs: number | undefined): OriginReply {
  return delayMs === undefined ? { body: name } : { body: name, delayMs };
}

function keepAlive(req: H1Request): boolean {
  const conn = (header(req.headers, 'connection') ?? '').toLowerCase();
  if (conn.split(',').some((t) => t.trim() === 'close')) return false;
  if (req.version === 'HTTP/1.0') return conn.split(',').some((t) => t.trim() === 'keep-alive');
  return true;
}

/** Serializes a structured reply (RFC 9112 §4, §6). */
export function renderReply(reply: Exclude<OriginReply, string | { raw: unknown }>, req: H1Request | undefined, closing: boolean): Buffer {
  const status = reply.status ?? 200;
  const reason = reply.reason ?? REASONS[status] ?? 'Unknown';
  const headers: HeaderList = Array.isArray(reply.headers)
    ? [...(reply.headers as HeaderList)]
    : Object.entries(reply.headers ?? {});
  const has = (n: string): boolean => headers.some(([k]) => k.toLowerCase() === n);
  let body: Buffer;
  if (reply.chunks !== undefined) {
    if (!has('transfer-encoding')) headers.push(['Transfer-Encoding', 'chunked']);
    const parts: Buffer[] = [];
    for (const c of reply.chunks) {
      const b = Buffer.from(c);
      if (b.length === 0) continue;
      parts.push(Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  } else {
    body = Buffer.from(reply.body ?? '');
    const bodiless = status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!has('content-length') && !bodiless) headers.push(['Content-Length', String(body.length)]);
  }
  if (!has('content-type') && body.length > 0) headers.unshift(['Content-Type', 'text/plain']);
  if (closing && !has('connection')) headers.push(['Connection', 'close']);
  else if (!closing && req?.version === 'HTTP/1.0' && !has('connection')) headers.push(['Connection', 'keep-alive']);
  const headBody = req?.method === 'HEAD' ? Buffer.alloc(0) : body;
  const head = `HTTP/1.1 ${status} ${reason}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), headBody]);
}

const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 204: 'No Content',
  301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Serves HTTP/1.1 on one accepted socket: splits pipelined requests, records
 * them, answers them in order, sends `100 Continue` when a request asks for it
 * and its body has not arrived.
 */
function wireHttp(
  socket: net.Socket,
  rec: Recorder,
  requests: RecordedRequest[],
  name: string,
  opts: HttpOriginOptions,
  connIndexOf: () => number,
): void {
  const r = rec.open(socket);
  const connection = connIndexOf();
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  let offset = 0;
  let n = 0;
  let continued = -1;
  let chain: Promise<void> = Promise.resolve();
  let finished = false;
  let peerEnded = false;

  const pump = (): void => {
    for (;;) {
      if (finished) return;
      const got = nextRequest(buf, offset);
      if (!got) {
        const head = parseHead(buf, offset);
        if (head && continued !== offset && /100-continue/i.test(header(head.headers, 'expect') ?? '')) {
          continued = offset;
          socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        }
        break;
      }
      offset = got.end;
      const req: RecordedRequest = { ...got.msg, connection, indexOnConnection: n++ };
      requests.push(req);
      chain = chain.then(() => answer(req));
    }
    // Drop consumed bytes so long connections stay cheap.
    if (offset > 0 && offset === buf.length) {
      buf = Buffer.alloc(0);
      offset = 0;
    }
  };

  const answer = async (req: RecordedRequest): Promise<void> => {
    if (finished) return;
    const reply = await (opts.respond ? opts.respond(req, { name }) : defaultReply(name, opts.delayMs));
    if (finished || socket.destroyed) return;
    if (reply === 'hang') return;
    if (reply === 'reset') {
      finished = true;
      socket.resetAndDestroy();
      return;
    }
    if (reply === 'close') {
      finished = true;
      socket.end();
      return;
    }
    if (reply.delayMs !== undefined) await sleep(reply.delayMs);
    if (finished || socket.destroyed) return;
    if ('raw' in reply) {
      socket.write(reply.raw);
      if (reply.close === true) {
        finished = true;
        socket.end();
      }
      return;
    }
    const closing = reply.close === true || !keepAlive(req);
    socket.write(renderReply(reply, req, closing));
    if (closing) {
      finished = true;
      socket.end();
    }
  };

  socket.on('data', (d: Buffer) => {
    rec.data(r, d);
    buf = buf.length === 0 ? Buffer.from(d) : Buffer.concat([buf, d]);
    pump();
  });
  socket.on('end', () => {
    peerEnded = true;
    // Answer what is pending, then close our side too.
    void chain.then(() => {
      if (!finished && peerEnded) {
        finished = true;
        socket.end();
      }
    });
  });
}

/** An HTTP/1.1 origin on raw sockets (see {@link HttpOriginOptions}). */
export async function httpOrigin(opts: HttpOriginOptions = {}): Promise<HttpOrigin> {
  const rec = new Recorder();
  const name = opts.name ?? nextName('http');
  const requests: RecordedRequest[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) =>
    wireHttp(s, rec, requests, name, opts, () => rec.count - 1),
  );
  const port = await listen(server);
  const base = originOf(name, port, rec, closer(server, rec));
  return {
    ...descriptors(base),
    get received() {
      return rec.received;
    },
    get connections() {
      return rec.count;
    },
    requests,
    reset() {
      rec.reset();
      requests.length = 0;
    },
  };
}

/** Copies an Origin's plain fields (getters are re-declared by the caller). */
function descriptors(o: Origin): Pick<Origin, 'name' | 'port' | 'addr' | 'close'> {
  return { name: o.name, port: o.port, addr: o.addr, close: o.close };
}

// ---------------------------------------------------------------------------
// TLS

export interface TlsHandshakeRecord {
  /** SNI sent by the client (false when none). */
  readonly servername: string | false;
  readonly alpn: string | false;
  /** Subject CN of the client certificate, when one was presented. */
  readonly clientCN?: string;
  /** Whether the client certificate verified against the test CA. */
  readonly authorized: boolean;
  readonly protocol: string | null;
}

export interface TlsOriginOptions extends HttpOriginOptions, TcpOriginOptions {
  readonly name?: string;
  /** Which test certificate to present (default 'rsa'). */
  readonly cert?: 'rsa' | 'ecdsa';
  /** Speak HTTP/1.1 inside TLS (default true); false makes a TLS echo server. */
  readonly http?: boolean;
  /** Ask for a client certificate (verified against the test CA, never required). */
  readonly requestCert?: boolean;
  readonly alpn?: string[];
}

export interface TlsOrigin extends HttpOrigin {
  readonly handshakes: TlsHandshakeRecord[];
}

/** A TLS origin: HTTP/1.1 (default) or echo, recording each handshake. */
export async function tlsOrigin(opts: TlsOriginOptions = {}): Promise<TlsOrigin> {
  const certs = await getCerts();
  const kp = opts.cert === 'ecdsa' ? certs.ecdsa : certs.rsa;
  const rec = new Recorder();
  const name = opts.name ?? nextName('tls');
  const requests: RecordedRequest[] = [];
  const handshakes: TlsHandshakeRecord[] = [];
  const server = tls.createServer(
    {
      cert: Buffer.concat([kp.cert, certs.ca.cert]),
      key: kp.key,
      ca: certs.ca.cert,
      requestCert: opts.requestCert ?? false,
      rejectUnauthorized: false,
      allowHalfOpen: true,
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
    },
    (s) => {
      const peer = s.getPeerCertificate();
      const cn = peer && typeof peer.subject === 'object' && peer.subject !== null ? peer.subject.CN : undefined;
      handshakes.push({
        servername: (s as tls.TLSSocket & { servername?: string | false }).servername ?? false,
        alpn: s.alpnProtocol ?? false,
        ...(typeof cn === 'string' ? { clientCN: cn } : {}),
        authorized: s.authorized,
        protocol: s.getProtocol(),
      });
      if (opts.http ?? true) wireHttp(s, rec, requests, name, opts, () => rec.count - 1);
      else wireTcp(s, rec, opts);
    },
  );
  const port = await listen(server);
  const base = originOf(name, port, rec, closer(server, rec));
  return {
    ...descriptors(base),
    get received() {
      return rec.received;
    },
    get connections() {
      return rec.count;
    },
    requests,
    handshakes,
    reset() {
      rec.reset();
      requests.length = 0;
      handshakes.length = 0;
    },
  };
}

// ---------------------------------------------------------------------------
// WebSocket

export interface WsOriginOptions {
  readonly name?: string;
}

export interface WsOrigin extends Origin {
  /** The upgrade requests, parsed from the recorded bytes. */
  readonly upgrades: RecordedRequest[];
  /** Messages received over all websockets (text as string, binary as Buffer). */
  readonly messages: Array<string | Buffer>;
}

/**
 * A websocket echo server. The raw socket is read first so the upgrade
 * request is recorded exactly; it is then handed to `ws` (`handleUpgrade`),
 * which answers 101 and echoes every message. Bytes after the upgrade keep
 * being recorded in `received`. A plain request gets `426 Upgrade Required`.
 */
export async function wsOrigin(opts: WsOriginOptions = {}): Promise<WsOrigin> {
  const rec = new Recorder();
  const name = opts.name ?? nextName('ws');
  const upgrades: RecordedRequest[] = [];
  const messages: Array<string | Buffer> = [];
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const server = net.createServer((socket) => {
    const r = rec.open(socket);
    const connection = rec.count - 1;
    socket.on('error', () => undefined);
    let buf: Buffer = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      rec.data(r, d);
      buf = Buffer.concat([buf, d]);
      const got = nextRequest(buf, 0);
      if (!got) return;
      socket.removeListener('data', onData);
      const req: RecordedRequest = { ...got.msg, connection, indexOnConnection: 0 };
      upgrades.push(req);
      if ((header(req.headers, 'upgrade') ?? '').toLowerCase() !== 'websocket') {
        socket.end(renderReply({ status: 426, reason: 'Upgrade Required', body: name }, req, true));
        return;
      }
      // ws only reads method, url and lower-cased headers from the request.
      const fakeReq = {
        method: req.method,
        url: req.target,
        headers: Object.fromEntries(req.headers.map(([k, v]) => [k.toLowerCase(), v])),
        socket,
      };
      const rest = buf.subarray(got.end);
      wss.handleUpgrade(fakeReq as never, socket, rest, (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        socket.on('data', (more: Buffer) => rec.data(r, more));
        ws.on('message', (data, isBinary) => {
          const b = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          messages.push(isBinary ? b : b.toString('utf8'));
          ws.send(isBinary ? b : b.toString('utf8'));
        });
      });
    };
    socket.on('data', onData);
  });
  const port = await listen(server);
  const closeServer = closer(server, rec);
  return {
    name,
    port,
    addr: `127.0.0.1:${port}`,
    get received() {
      return rec.received;
    },
    get connections() {
      return rec.count;
    },
    upgrades,
    messages,
    reset() {
      rec.reset();
      upgrades.length = 0;
      messages.length = 0;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await closeServer();
    },
  };
}
