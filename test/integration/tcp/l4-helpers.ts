/**
 * Helpers shared by the layer-4 tests (rules, SNI routing, PROXY protocol,
 * the seeds' differential): fixed ClientHello and RDP bytes, and a small
 * two-sided runner for clients the generic differential harness does not
 * drive (`openssl s_client`, unix-socket chains).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certVars } from '../../helpers/certs.js';
import { rawExchange, sClient, type SClientOptions } from '../../helpers/clients.js';
import { freePort, startProxy, type ProxyKind, type RunningProxy } from '../../helpers/processes.js';
import type { Origin } from '../../helpers/origins.js';
import { loadConfigText } from '../../helpers/load-config.js';
import { start, type Started } from '../../helpers/model-builder.js';
import type { AnyStream } from '../../../src/proxy/runtime.js';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

function ext(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

/**
 * A TLS 1.2 ClientHello record: SNI when `sni` is given, the
 * supported_groups ("elliptic curves", type 10) extension when `ec`.
 * Deterministic (zero random), so the bytes compare across runs.
 */
export function clientHello(o: { sni?: string; ec?: boolean; padTo?: number } = {}): Buffer {
  const exts: Buffer[] = [];
  if (o.sni !== undefined) {
    const name = Buffer.from(o.sni, 'latin1');
    const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
    exts.push(ext(0, Buffer.concat([u16(entry.length), entry])));
  }
  if (o.ec) exts.push(ext(10, Buffer.from([0, 4, 0, 0x17, 0, 0x18])), ext(11, Buffer.from([1, 0])));
  if (o.padTo !== undefined) exts.push(ext(21, Buffer.alloc(o.padTo)));
  const extBlock = Buffer.concat(exts);
  const body = Buffer.concat([
    u16(0x0303), Buffer.alloc(32), Buffer.from([0]),
    u16(4), u16(0x009d), u16(0xc02c),
    Buffer.from([1, 0]),
    u16(extBlock.length), extBlock,
  ]);
  const hs = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff]), u16(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(hs.length), hs]);
}

/** An RDP Connection Request (TPKT + X.224 CR) carrying `Cookie: <cookie>\r\n` and an RDP negotiation request. */
export function rdpRequest(cookie: string): Buffer {
  const line = Buffer.from(`Cookie: ${cookie}\r\n`, 'latin1');
  const neg = Buffer.from([0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
  const x224 = Buffer.concat([Buffer.from([0, 0xe0, 0, 0, 0, 0, 0]), line, neg]);
  x224[0] = x224.length - 1;
  return Buffer.concat([Buffer.from([3, 0]), u16(x224.length + 4), x224]);
}

/** One client step of a run: what it observed, in a comparable form. */
export type Step = (ports: Readonly<Record<string, number>>) => Promise<unknown>;

/** A raw exchange summarised: bytes received (latin1) and how the connection ended. */
export function raw(listener: string, send: Buffer | string | Array<Buffer | string>, opts: { idleMs?: number; pauseMs?: number; halfClose?: boolean } = {}): Step {
  return async (ports) => {
    const r = await rawExchange(ports[listener]!, send, { idleMs: opts.idleMs ?? 200, timeoutMs: 8000, ...opts });
    return { got: r.data.toString('latin1'), ended: r.error !== undefined ? `error:${r.error}` : r.ended };
  };
}

/** `openssl s_client` summarised: whether the handshake completed and the server key type. */
export function tlsClient(listener: string, opts: SClientOptions = {}): Step {
  return async (ports) => {
    const r = await sClient(ports[listener]!, { timeoutMs: 8000, ...opts });
    // "Server public key is 256 bit" (P-256) or "... 2048 bit" (RSA): the certificate the endpoint presented.
    const bits = Number(/Server public key is (\d+) bit/.exec(r.stdout)?.[1] ?? 0);
    return { handshake: r.protocol !== '' && r.cipher !== '', key: bits === 0 ? '' : bits < 1024 ? 'ECDSA' : 'RSA' };
  };
}

export interface SideRecord {
  readonly kind: ProxyKind;
  readonly clients: unknown[];
  /** Per origin: the bytes of each connection (latin1), SNI of each TLS handshake when it records them. */
  readonly origins: Record<string, { received: string[]; sni?: (string | false)[] }>;
  readonly output: string;
}

/**
 * Runs `config` under one proxy kind: `${SOCKDIR}` is a fresh directory for
 * unix sockets, `${ORIGIN:x}` the origins; each step is one client, in order.
 */
export async function runSide(
  kind: ProxyKind,
  config: string,
  origins: Record<string, Origin & { handshakes?: { servername: string | false }[] }>,
  steps: readonly Step[],
  settleMs = 150,
): Promise<SideRecord> {
  for (const o of Object.values(origins)) o.reset();
  const dir = mkdtempSync(join(tmpdir(), `sy-l4-${kind}-`));
  const vars: Record<string, string> = { SOCKDIR: dir };
  if (/\$\{(CERT_PEM|ECDSA_PEM|CA_CRT)\}/.test(config)) Object.assign(vars, await certVars());
  for (const [name, o] of Object.entries(origins)) vars[`ORIGIN:${name}`] = o.addr;
  let proxy: RunningProxy | undefined;
  const clients: unknown[] = [];
  try {
    proxy = await startProxy(kind, config, { vars });
    for (const step of steps) clients.push(await step(proxy.ports));
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const seen: SideRecord['origins'] = {};
  for (const [name, o] of Object.entries(origins)) {
    seen[name] = { received: o.received.map((b) => b.toString('latin1')), ...(o.handshakes ? { sni: o.handshakes.map((h) => h.servername) } : {}) };
  }
  return { kind, clients, origins: seen, output: proxy.output() };
}

/** Replaces what legitimately differs between two runs (client ports in PROXY lines, listener ports). */
export function maskSide(r: SideRecord, ports: readonly number[] = []): unknown {
  const m = (s: string): string => {
    let out = s.replace(/(PROXY TCP[46] \S+ \S+ )\d+ \d+/g, '$1<CPORT> <DPORT>');
    for (const p of ports) out = out.split(String(p)).join('<PORT>');
    return out;
  };
  const origins: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.origins)) origins[k] = { ...v, received: v.received.map(m) };
  return { clients: JSON.parse(m(JSON.stringify(r.clients))), origins };
}

// ---------------------------------------------------------------------------
// In-process runs of a configuration text


export interface Served extends Started {
  /** Termination flags of the streams ended so far, in order. */
  readonly ended: string[];
  /** Waits until `n` streams have ended (bounded). */
  waitEnded(n: number, timeoutMs?: number): Promise<void>;
}

/** Loads `text` and serves it in this process; each `127.0.0.1:0` becomes a free port (haproxy refuses port 0). */
export async function serveText(text: string): Promise<Served> {
  let filled = text;
  while (filled.includes('127.0.0.1:0\n')) filled = filled.replace('127.0.0.1:0\n', `127.0.0.1:${await freePort()}\n`);
  const r = loadConfigText(filled);
  if (r.alerts.length > 0) throw new Error(r.alerts.join('\n'));
  const p = await start(r.model);
  const ended: string[] = [];
  p.runtime.addStreamEndHook((s: AnyStream) => void ended.push(s.terminationFlags));
  return {
    ...p,
    ended,
    async waitEnded(n: number, timeoutMs = 3000): Promise<void> {
      const t0 = Date.now();
      while (ended.length < n && Date.now() - t0 < timeoutMs) await new Promise((res) => setTimeout(res, 10));
    },
  };
}
