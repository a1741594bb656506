/**
 * Direct reads for the sockets of an `HttpStream`: the bytes go from libuv
 * to the stream's handler without `net.Socket`'s Readable machinery.
 *
 * Why (bench/http.ts under `perf`): with 'data' events every read costs a
 * fresh 64 KiB allocation shrunk to the read size, `Readable.push()`, an
 * emit, and a `process.nextTick` (maybeReadMore) followed by a
 * `Readable.read(0)`; about a tenth of the proxy's CPU on keep-alive small
 * requests. Node's own `onread` option (net.md "socket.connect(options)")
 * reads into a caller's buffer and calls back directly.
 *
 * One scratch buffer serves every socket: libuv reads into it and the
 * callback runs at once, before any other read, so a callback that copies
 * the bytes out never sees them overwritten. The copy is what makes this
 * safe: the stream keeps slices of what it received (a partial head, the
 * parsed head's offsets, a write the kernel did not take at once keeps a
 * pointer to the bytes), so each read gets its own right-sized Buffer
 * (`Buffer.allocUnsafe`, from Node's pool when small).
 *
 * Accepted sockets have no `onread` option (net.Server creates them); the
 * same fields Node sets for it are set here on the paused socket, found by
 * their symbol descriptions (`kBuffer`, `kBufferCb`, `kBufferGen`, Node 20's
 * lib/net.js), and the handle is switched with `useUserBuffer()`, which is
 * what `net.Socket`'s constructor does. When any of this is missing (another
 * Node version, a TLS socket), the caller falls back to 'data' events.
 */
import net from 'node:net';

/** The handler of direct reads: `this` is the socket (stream_base_commons.js onStreamRead). */
export type DirectReadHandler = (this: net.Socket, chunk: Buffer) => void;

const SCRATCH_SIZE = 65536;
const scratch = Buffer.allocUnsafe(SCRATCH_SIZE);

interface Keys {
  readonly buffer: symbol;
  readonly cb: symbol;
  readonly gen: symbol;
}

/** The private symbols of net.Socket's onread support, looked up once on a probe socket. */
const KEYS: Keys | undefined = (() => {
  const probe = new net.Socket();
  const find = (d: string): symbol | undefined => Object.getOwnPropertySymbols(probe).find((s) => s.description === d);
  const buffer = find('kBuffer');
  const cb = find('kBufferCb');
  const gen = find('kBufferGen');
  probe.destroy();
  return buffer !== undefined && cb !== undefined && gen !== undefined ? { buffer, cb, gen } : undefined;
})();

/** Set SWITCHYARD_HTTP_DATA_EVENTS=1 to read through 'data' events (A/B comparisons). */
const enabled = KEYS !== undefined && process.env['SWITCHYARD_HTTP_DATA_EVENTS'] !== '1';

/**
 * The `onread` option for `net.connect()`: reads land in the shared scratch
 * buffer and `handler` gets a copy of each read (`this` is the socket).
 * Undefined when direct reads are off: use 'data' events then.
 */
export function directReadOption(handler: DirectReadHandler): net.OnReadOpts | undefined {
  if (!enabled) return undefined;
  return { buffer: scratch, callback: wrap(handler) };
}

/**
 * Switches an accepted, paused, plain-TCP socket to direct reads; returns
 * false (nothing changed) when it cannot, and the caller uses 'data' events.
 * Call before `resume()`.
 */
export function readDirect(sock: net.Socket, handler: DirectReadHandler): boolean {
  if (!enabled || KEYS === undefined) return false;
  if ((sock as { encrypted?: boolean }).encrypted === true || sock.readableLength > 0) return false;
  const handle = (sock as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void; reading?: boolean } | null })._handle;
  if (handle === undefined || handle === null || typeof handle.useUserBuffer !== 'function' || handle.reading === true) return false;
  const rec = sock as unknown as Record<symbol, unknown>;
  if (rec[KEYS.buffer] !== null) return false;
  handle.useUserBuffer(scratch);
  rec[KEYS.buffer] = scratch;
  rec[KEYS.cb] = wrap(handler);
  rec[KEYS.gen] = null;
  return true;
}

/** The onread callback: a private copy of the read goes to the handler. */
function wrap(handler: DirectReadHandler): (this: net.Socket, n: number, buf: Uint8Array) => boolean {
  return function onDirectRead(this: net.Socket, n: number, buf: Uint8Array): boolean {
    const chunk = Buffer.allocUnsafe(n);
    // `buf` is the scratch buffer: copy before anything else can read into it.
    // Small reads (a request or response head) by hand: Buffer#copy has a
    // fixed cost that dominates below a few dozen bytes (h1-writer.ts copyRange).
    if (n <= 64) for (let i = 0; i < n; i++) chunk[i] = buf[i]!;
    else scratch.copy(chunk, 0, 0, n);
    handler.call(this, chunk);
    return true;
  };
}
