/**
 * Clients for the tests: raw bytes in, every byte of the answer out.
 *
 *   rawExchange   send bytes (optionally in timed pieces, over TLS) and read until close or idle
 *   httpExchange  HTTP/1.1 on one raw socket: keep-alive (one after another) or pipelined
 *   buildRequest  serialize a request exactly (no normalisation)
 *   curl          run the curl CLI, return status / headers / body
 *   sClient       run `openssl s_client` (with -servername), return the parsed handshake facts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { nextResponse, type H1Response, type HeaderList } from './h1-messages.js';
import { run } from './processes.js';

export interface TlsClientOptions {
  /** SNI; default none (the IP literal is never sent as SNI). */
  readonly servername?: string;
  /** Trust anchors (PEM); when absent the peer certificate is not verified. */
  readonly ca?: Buffer | string;
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
  readonly alpn?: string[];
}

export interface RawExchangeOptions {
  readonly host?: string;
  /** Give up waiting for more bytes after this much silence (default 300 ms). */
  readonly idleMs?: number;
  /** Hard limit for the whole exchange (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Half-close (send FIN) after the last piece (default false). */
  readonly halfClose?: boolean;
  /** Pause between pieces when `send` is an array (default 0: one write each, in order). */
  readonly pauseMs?: number;
  /** Speak TLS to the peer. */
  readonly tls?: TlsClientOptions;
  /** Stop as soon as the collected bytes satisfy this predicate. */
  readonly until?: (data: Buffer) => boolean;
}

export interface RawExchangeResult {
  /** Every byte received. */
  readonly data: Buffer;
  /** The peer closed its side (FIN). */
  readonly closed: boolean;
  /** The connection was reset or failed (error code, e.g. ECONNRESET). */
  readonly error?: string;
  /** How the wait ended. */
  readonly ended: 'close' | 'idle' | 'timeout' | 'until' | 'error';
  /** Negotiated ALPN / authorization when TLS was used. */
  readonly alpn?: string | false;
  readonly authorized?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function connect(port: number, host: string, t: TlsClientOptions | undefined): net.Socket {
  if (t === undefined) return net.connect({ port, host, allowHalfOpen: true });
  return tls.connect({
    port,
    host,
    ...(t.servername !== undefined ? { servername: t.servername } : {}),
    ...(t.ca !== undefined ? { ca: t.ca } : {}),
    ...(t.cert !== undefined ? { cert: t.cert } : {}),
    ...(t.key !== undefined ? { key: t.key } : {}),
    ...(t.alpn !== undefined ? { ALPNProtocols: t.alpn } : {}),
    rejectUnauthorized: t.ca !== undefined,
    // Node refuses IP literals as SNI and checks the name against the cert; the
    // tests check names themselves, so only the CA chain is verified here.
    checkServerIdentity: () => undefined,
  });
}

/**
 * Opens one connection to 127.0.0.1:`port`, writes `send` (pieces in order,
 * with `pauseMs` between them), optionally half-closes, and collects the
 * answer until the peer closes, nothing arrives for `idleMs`, `until` is
 * satisfied, or `timeoutMs` passes.
 */
export function rawExchange(
  port: number,
  send: string | Buffer | ReadonlyArray<string | Buffer>,
  opts: RawExchangeOptions = {},
): Promise<RawExchangeResult> {
  const pieces = typeof send === 'string' || Buffer.isBuffer(send) ? [send] : [...send];
  const idleMs = opts.idleMs ?? 300;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, opts.host ?? '127.0.0.1', opts.tls);
    sock.setNoDelay(true);
    let done = false;
    let sentAll = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = (ended: RawExchangeResult['ended'], error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      if (idleTimer) clearTimeout(idleTimer);
      const data = Buffer.concat(chunks);
      const t = opts.tls !== undefined ? (sock as tls.TLSSocket) : undefined;
      resolve({
        data,
        closed: ended === 'close',
        ended,
        ...(error !== undefined ? { error } : {}),
        ...(t ? { alpn: t.alpnProtocol ?? false, authorized: t.authorized } : {}),
      });
      sock.destroy();
    };
    const armIdle = (): void => {
      if (!sentAll) return;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => finish('idle'), idleMs);
    };
    const hard = setTimeout(() => finish('timeout'), opts.timeoutMs ?? 5000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (opts.until?.(Buffer.concat(chunks))) finish('until');
      else armIdle();
    });
    sock.on('end', () => finish('close'));
    sock.on('close', () => finish('close'));
    sock.on('error', (e: NodeJS.ErrnoException) => finish('error', e.code ?? e.message));
    sock.once(opts.tls !== undefined ? 'secureConnect' : 'connect', () => {
      void (async () => {
        for (let i = 0; i < pieces.length; i++) {
          if (done) return;
          const p = pieces[i];
          if (p !== undefined && p.length > 0) sock.write(p);
          if (opts.pauseMs && i < pieces.length - 1) await sleep(opts.pauseMs);
        }
        if (opts.halfClose) sock.end();
        sentAll = true;
        armIdle();
      })();
    });
  });
}

export interface RequestSpec {
  readonly method?: string;
  readonly path?: string;
  readonly version?: string;
  /** Host header value; default `localhost`. Set to null to omit it. */
  readonly host?: string | null;
  readonly headers?: HeaderList | Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/**
 * Serializes a request exactly as specified: `GET / HTTP/1.1`, Host, the
 * given headers in order, Content-Length when there is a body and none given.
 */
export function buildRequest(spec: RequestSpec = {}): Buffer {
  const headers: HeaderList = Array.isArray(spec.headers)
    ? [...(spec.headers as HeaderList)]
    : Object.entries(spec.headers ?? {});
  const has = (n: string): boolean => headers.some(([k]) => k.toLowerCase() === n);
  if (spec.host !== null && !has('host')) headers.unshift(['Host', spec.host ?? 'localhost']);
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
  if (spec.body !== undefined && !has('content-length') && !has('transfer-encoding')) {
    headers.push(['Content-Length', String(body.length)]);
  }
  const head = `${spec.method ?? 'GET'} ${spec.path ?? '/'} ${spec.version ?? 'HTTP/1.1'}\r\n${headers
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export interface HttpExchangeOptions {
  /** Send every request at once (pipelining) instead of one after each response. */
  readonly pipeline?: boolean;
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  readonly tls?: TlsClientOptions;
}

export interface HttpExchangeResult {
  /** Final and interim (1xx) responses, in order. */
  readonly responses: H1Response[];
  /** Bytes after the last complete response. */
  readonly rest: Buffer;
  /** Every byte received. */
  readonly raw: Buffer;
  /** The server closed the connection. */
  readonly closed: boolean;
  readonly error?: string;
}

function methodOf(req: Buffer): string {
  const sp = req.indexOf(0x20);
  return req.toString('latin1', 0, sp === -1 ? 0 : sp);
}

/**
 * Sends HTTP/1.1 requests over one connection and splits the answers.
 * Keep-alive: each request is written once the previous final response is
 * complete. Pipelined: all are written at once. Stops when the server closes,
 * every final response is in, or nothing arrives for `idleMs` (default 1000).
 */
export function httpExchange(
  port: number,
  requests: ReadonlyArray<string | Buffer | RequestSpec>,
  opts: HttpExchangeOptions = {},
): Promise<HttpExchangeResult> {
  const reqs = requests.map((r) => (typeof r === 'string' || Buffer.isBuffer(r) ? Buffer.from(r) : buildRequest(r)));
  const idleMs = opts.idleMs ?? 1000;
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', opts.tls);
    sock.setNoDelay(true);
    const responses: H1Response[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let offset = 0;
    let finals = 0;
    let sent = 0;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      if (idle) clearTimeout(idle);
      // Whatever is left after a close is a response without length (or garbage).
      if (closed) parse(true);
      resolve({ responses, rest: Buffer.from(buf.subarray(offset)), raw: buf, closed, ...(error !== undefined ? { error } : {}) });
      sock.destroy();
    };
    const hard = setTimeout(() => finish(false, 'timeout'), opts.timeoutMs ?? 5000);
    const armIdle = (): void => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    };
    const parse = (closed: boolean): void => {
      for (;;) {
        const req = reqs[finals];
        const got = nextResponse(buf, offset, { closed, headRequest: req !== undefined && methodOf(req) === 'HEAD' });
        if (!got || got.end === offset) return;
        offset = got.end;
        responses.push(got.msg);
        if (got.msg.status >= 200 || got.msg.status < 100) {
          finals++;
          if (!opts.pipeline && sent < reqs.length && !done && !closed) {
            const next = reqs[sent++];
            if (next) sock.write(next);
          }
        }
      }
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse(false);
      if (finals >= reqs.length) finish(false);
      else armIdle();
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (e: NodeJS.ErrnoException) => finish(true, e.code ?? e.message));
    sock.once(opts.tls !== undefined ? 'secureConnect' : 'connect', () => {
      if (opts.pipeline) {
        sock.write(Buffer.concat(reqs));
        sent = reqs.length;
      } else {
        const first = reqs[sent++];
        if (first) sock.write(first);
      }
      armIdle();
    });
  });
}

export interface CurlResult {
  /** curl's exit code (0 on success, 7 connection refused, 28 timeout, ...). */
  readonly exitCode: number;
  /** HTTP status of the last response (0 when none). */
  readonly status: number;
  readonly httpVersion: string;
  /** Headers of the last response (after redirects with -L). */
  readonly headers: HeaderList;
  readonly body: Buffer;
  readonly stderr: string;
}

/**
 * Runs `curl -sS` on `url` with extra `args` (e.g. `['-H', 'X: y']`,
 * `['--cacert', ca, '--resolve', 'example.com:443:127.0.0.1']`). Proxies from
 * the environment are ignored.
 */
export async function curl(url: string, args: readonly string[] = [], opts: { timeoutMs?: number } = {}): Promise<CurlResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-curl-'));
  const hdr = join(dir, 'headers');
  const body = join(dir, 'body');
  try {
    const secs = Math.max(1, Math.ceil((opts.timeoutMs ?? 10000) / 1000));
    const r = await run(
      'curl',
      ['-sS', '--noproxy', '*', '--max-time', String(secs), '-D', hdr, '-o', body, ...args, url],
      { timeoutMs: (opts.timeoutMs ?? 10000) + 2000 },
    );
    let headText = '';
    let bodyBuf: Buffer = Buffer.alloc(0);
    try {
      headText = readFileSync(hdr, 'latin1');
    } catch {
      /* no response */
    }
    try {
      bodyBuf = readFileSync(body);
    } catch {
      /* no body */
    }
    // -D writes every header block (1xx, redirects); keep the last one.
    const blocks = headText.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
    const last = blocks[blocks.length - 1] ?? '';
    const lines = last.split(/\r?\n/);
    const statusLine = lines[0] ?? '';
    const m = /^(HTTP\/[\d.]+)\s+(\d{3})/.exec(statusLine);
    const headers: HeaderList = [];
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c > 0) headers.push([l.slice(0, c), l.slice(c + 1).trim()]);
    }
    return {
      exitCode: r.code,
      status: m?.[2] !== undefined ? Number(m[2]) : 0,
      httpVersion: m?.[1] ?? '',
      headers,
      body: bodyBuf,
      stderr: r.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SClientOptions {
  readonly servername?: string;
  /** PEM file of trust anchors (`-CAfile`). */
  readonly caFile?: string;
  /** Client certificate and key files (`-cert`, `-key`). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly alpn?: string[];
  /** Bytes written after the handshake; stdin is then closed. */
  readonly input?: string | Buffer;
  /** Keep reading after stdin closes until the server closes (`-ign_eof`). */
  readonly waitForClose?: boolean;
  readonly extraArgs?: readonly string[];
  readonly timeoutMs?: number;
}

export interface SClientResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Negotiated protocol, e.g. `TLSv1.3` ('' when the handshake failed). */
  readonly protocol: string;
  readonly cipher: string;
  /** Leaf certificate subject line as openssl prints it (`CN = localhost, ...`). */
  readonly subject: string;
  readonly issuer: string;
  /** `Verify return code`: 0 when the chain verified. -1 when not printed. */
  readonly verifyCode: number;
  /** Negotiated ALPN protocol, or '' when none. */
  readonly alpn: string;
  /** The server's temp key line (e.g. `X25519, 253 bits`), useful to tell ECDSA from RSA setups. */
  readonly peerSignatureType: string;
}

/** Runs `openssl s_client -connect 127.0.0.1:<port> [-servername name] ...`. */
export async function sClient(port: number, opts: SClientOptions = {}): Promise<SClientResult> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`];
  if (opts.servername !== undefined) args.push('-servername', opts.servername);
  else args.push('-noservername');
  if (opts.caFile !== undefined) args.push('-CAfile', opts.caFile);
  if (opts.certFile !== undefined) args.push('-cert', opts.certFile);
  if (opts.keyFile !== undefined) args.push('-key', opts.keyFile);
  if (opts.alpn !== undefined) args.push('-alpn', opts.alpn.join(','));
  if (opts.waitForClose) args.push('-ign_eof');
  args.push(...(opts.extraArgs ?? []));
  const r = await run('openssl', args, { input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 10000 });
  const pick = (re: RegExp): string => re.exec(r.stdout)?.[1]?.trim() ?? '';
  const verify = /Verify return code: (\d+)/.exec(r.stdout);
  const cipherLine = pick(/^New, [^,]+, Cipher is (.+)$/m) || pick(/^\s*Cipher\s*:\s*(.+)$/m);
  return {
    exitCode: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    protocol: pick(/^\s*Protocol\s*:\s*(.+)$/m) || pick(/^New, (TLSv[\d.]+|SSLv3)/m),
    cipher: cipherLine === '0000' || cipherLine === '(NONE)' ? '' : cipherLine,
    subject: pick(/^subject=(.*)$/m),
    issuer: pick(/^issuer=(.*)$/m),
    verifyCode: verify?.[1] !== undefined ? Number(verify[1]) : -1,
    alpn: pick(/^ALPN protocol: (.+)$/m),
    peerSignatureType: pick(/^Peer signature type: (.+)$/m),
  };
}
