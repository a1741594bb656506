/**
 * parseClientHello() on real hellos (Node's tls.connect, openssl s_client)
 * and on crafted ones (fragmentation, GREASE, duplicates, broken lengths,
 * SSLv2), and the haproxy 2.6 fetch semantics of the *Sample() functions.
 *
 * The expectations of the "haproxy 2.6 fetch semantics" table were obtained
 * by sending each input to haproxy 2.6.12 (`tcp-request content set-var(...)
 * req.ssl_*` logged to stdout, and an ACL rule timed against inspect-delay to
 * tell "may change" from "no sample"); the last block re-checks a subset live.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  isGrease,
  parseClientHello,
  parseServerHelloType,
  sslAlpnSample,
  sslEcExtSample,
  sslHelloTypeSample,
  sslSniSample,
  sslStExtSample,
  sslVerSample,
  tlsVersionName,
  type ClientHello,
  type HelloSample,
} from '../../../src/tls/client-hello.js';
import { getCerts } from '../../helpers/certs.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

// ---------------------------------------------------------------------------
// A small ClientHello builder
// ---------------------------------------------------------------------------

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function ext(type: number, body: Buffer | number[]): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([u16(type), u16(b.length), b]);
}
function sniExt(name: string, nameType = 0): Buffer {
  const n = Buffer.from(name, 'latin1');
  const entry = Buffer.concat([Buffer.from([nameType]), u16(n.length), n]);
  return ext(0, Buffer.concat([u16(entry.length), entry]));
}
function alpnExt(names: string[]): Buffer {
  const l = Buffer.concat(names.map((s) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')])));
  return ext(16, Buffer.concat([u16(l.length), l]));
}
function u16ListExt(type: number, values: number[], lenBytes = 2): Buffer {
  const l = Buffer.concat(values.map(u16));
  const head = lenBytes === 1 ? Buffer.from([l.length]) : u16(l.length);
  return ext(type, Buffer.concat([head, l]));
}
interface BodyOpts {
  version?: number;
  sid?: Buffer;
  ciphers?: number[];
  comp?: number[];
  exts?: Buffer[];
  extLenDelta?: number;
  noExt?: boolean;
}
function helloBody(o: BodyOpts = {}): Buffer {
  const e = Buffer.concat(o.exts ?? []);
  const sid = o.sid ?? Buffer.alloc(32, 7);
  const ciphers = o.ciphers ?? [0x1301, 0xc02f];
  const comp = o.comp ?? [0];
  return Buffer.concat([
    u16(o.version ?? 0x0303),
    Buffer.alloc(32, 1),
    Buffer.from([sid.length]),
    sid,
    u16(ciphers.length * 2),
    ...ciphers.map(u16),
    Buffer.from([comp.length]),
    Buffer.from(comp),
    ...(o.noExt ? [] : [u16(e.length + (o.extLenDelta ?? 0)), e]),
  ]);
}
function handshake(body: Buffer, type = 1, lenDelta = 0): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUIntBE(body.length + lenDelta, 1, 3);
  return Buffer.concat([h, body]);
}
function record(payload: Buffer, o: { type?: number; version?: number; lenDelta?: number } = {}): Buffer {
  const h = Buffer.alloc(5);
  h[0] = o.type ?? 0x16;
  h.writeUInt16BE(o.version ?? 0x0301, 1);
  h.writeUInt16BE(payload.length + (o.lenDelta ?? 0), 3);
  return Buffer.concat([h, payload]);
}
function hello(o: BodyOpts = {}, r: { type?: number; version?: number; lenDelta?: number } = {}): Buffer {
  return record(handshake(helloBody(o)), r);
}
/** Splits a handshake message into records of the given sizes (the rest in a last record). */
function fragment(hs: Buffer, sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let p = 0;
  for (const s of sizes) {
    out.push(record(hs.subarray(p, p + s)));
    p += s;
  }
  if (p < hs.length) out.push(record(hs.subarray(p)));
  return Buffer.concat(out);
}

const STD_EXTS = [sniExt('example.com'), alpnExt(['h2', 'http/1.1']), u16ListExt(10, [29, 23]), ext(11, [1, 0]), ext(35, [])];
/** A 32-byte SSLv2 CLIENT-HELLO (version 0x0301, 7 cipher specs, 16-byte challenge). */
const SSLV2_HELLO = Buffer.from('802e0103010015000000100100800200800300800400800500800600400700c00102030405060708090a0b0c0d0e0f10', 'hex');

function okHello(buf: Buffer): ClientHello {
  const r = parseClientHello(buf);
  if (r.status !== 'ok') assert.fail(`expected ok, got ${JSON.stringify(r)}`);
  return r.hello;
}
function invalidCode(buf: Buffer): string {
  const r = parseClientHello(buf);
  if (r.status !== 'invalid') assert.fail(`expected invalid, got ${r.status}`);
  assert.ok(r.reason.length > 0);
  return r.code;
}
/** The fields that must not depend on framing. */
function essence(h: ClientHello): unknown {
  return {
    v: h.clientVersion,
    sv: h.supportedVersions,
    cs: h.cipherSuites,
    sid: h.sessionId.toString('hex'),
    ext: h.extensions.map((e) => [e.type, e.data.toString('hex')]),
    sni: h.serverName,
    alpn: h.alpn,
    g: h.supportedGroups,
    pf: h.ecPointFormats,
    st: h.sessionTicket?.toString('hex'),
    sig: h.signatureAlgorithms,
    grease: h.grease,
  };
}

// ---------------------------------------------------------------------------
// Capturing real hellos
// ---------------------------------------------------------------------------

/**
 * Listens on 127.0.0.1:0, runs `start(port)` (which opens a client and
 * returns its cleanup), and resolves with the bytes the client sent once they
 * hold a complete hello (or after a bounded wait).
 */
function captureHello(start: (port: number) => () => void, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let cleanup: (() => void) | undefined;
    const server = net.createServer((sock) => {
      const chunks: Buffer[] = [];
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (parseClientHello(all).status !== 'need-more') finish(all, sock);
      });
      sock.on('error', () => undefined);
    });
    const timer = setTimeout(() => {
      cleanup?.();
      server.close();
      reject(new Error('no ClientHello captured in time'));
    }, timeoutMs);
    const finish = (bytes: Buffer, sock: net.Socket): void => {
      clearTimeout(timer);
      sock.destroy();
      cleanup?.();
      server.close();
      resolve(bytes);
    };
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      cleanup = start(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

function nodeClient(opts: tls.ConnectionOptions): (port: number) => () => void {
  return (port) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    s.on('error', () => undefined);
    return () => s.destroy();
  };
}

const HAVE_OPENSSL = existsSync('/usr/bin/openssl');

function opensslClient(args: string[]): (port: number) => () => void {
  return (port) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => undefined);
    return () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    };
  };
}

function value<T>(s: HelloSample<T>): T | 'need-more' | 'none' {
  return s.status === 'ok' ? s.value : s.status;
}
/** All six fetches, haproxy-style, on one buffer. */
function fetches(b: Buffer): Record<string, unknown> {
  return {
    sni: value(sslSniSample(b)),
    alpn: value(sslAlpnSample(b)),
    ver: value(sslVerSample(b)),
    type: value(sslHelloTypeSample(b)),
    ec: value(sslEcExtSample(b)),
    st: value(sslStExtSample(b)),
  };
}

// ---------------------------------------------------------------------------

describe('parseClientHello: real hellos', () => {
  it('Node tls.connect with SNI and ALPN (TLS 1.3 client)', async () => {
    const bytes = await captureHello(nodeClient({ servername: 'example.com', ALPNProtocols: ['h2', 'http/1.1'] }));
    const h = okHello(bytes);
    assert.equal(h.sslv2, false);
    assert.equal(h.serverName, 'example.com');
    assert.deepEqual(h.alpn, ['h2', 'http/1.1']);
    assert.equal(h.clientVersion, 0x0303);
    assert.ok(h.supportedVersions.includes(0x0304));
    assert.equal(h.maxVersion, 0x0304);
    assert.equal(tlsVersionName(h.maxVersion), 'TLSv1.3');
    assert.ok(h.supportedGroups !== undefined && h.supportedGroups.includes(29));
    assert.ok(h.keyShareGroups.length > 0);
    assert.ok(h.signatureAlgorithms.length > 0);
    assert.equal(h.recordCount, 1);
    assert.equal(h.length, bytes.length);
    assert.deepEqual(h.duplicateExtensions, []);
    assert.deepEqual(h.malformedExtensions, []);
    assert.deepEqual(fetches(bytes), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 0x30003, type: 1, ec: true, st: h.sessionTicket === undefined ? 0 : 1 });
    // every proper prefix waits for more
    for (let i = 0; i < bytes.length; i++) assert.equal(parseClientHello(bytes.subarray(0, i)).status, 'need-more', `prefix ${i}`);
  });

  it('a resumed TLS 1.2 session carries its ticket: req.ssl_st_ext is 2', { skip: !HAVE_OPENSSL }, async () => {
    const certs = await getCerts();
    const server = tls.createServer({ key: certs.rsa.key, cert: certs.rsa.cert, maxVersion: 'TLSv1.2' }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    const session = await new Promise<Buffer>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
      c.once('session', (s: Buffer) => {
        resolve(s);
        c.destroy();
      });
      c.on('error', reject);
    });
    server.close();
    const bytes = await captureHello(nodeClient({ session, maxVersion: 'TLSv1.2', servername: 'localhost' }));
    const h = okHello(bytes);
    assert.ok(h.sessionTicket !== undefined && h.sessionTicket.length > 0);
    assert.deepEqual(value(sslStExtSample(bytes)), 2);
  });

  it('openssl s_client: RSA-only vs ECDSA cipher lists decide req.ssl_ec_ext', { skip: !HAVE_OPENSSL }, async () => {
    const rsa = await captureHello(opensslClient(['-servername', 'x', '-tls1_2', '-cipher', 'AES128-SHA']));
    const ec = await captureHello(opensslClient(['-servername', 'x', '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']));
    const hr = okHello(rsa);
    const he = okHello(ec);
    assert.equal(hr.supportedGroups, undefined);
    assert.equal(hr.ecPointFormats, undefined);
    assert.ok(he.supportedGroups !== undefined && he.supportedGroups.length > 0);
    // haproxy: the fetch fails (no sample) without the extension, it is not "false"
    assert.equal(value(sslEcExtSample(rsa)), 'none');
    assert.equal(value(sslEcExtSample(ec)), true);
    assert.equal(hr.serverName, 'x');
    assert.equal(value(sslSniSample(rsa)), 'x');
    assert.deepEqual(hr.supportedVersions, []);
    assert.equal(hr.maxVersion, 0x0303);
  });

  it('openssl s_client -tls1_3 -alpn, and -no_ticket', { skip: !HAVE_OPENSSL }, async () => {
    const t13 = await captureHello(opensslClient(['-servername', 'abc.example', '-tls1_3', '-alpn', 'acme-tls/1,h2']));
    const h = okHello(t13);
    assert.deepEqual(h.supportedVersions, [0x0304]);
    assert.deepEqual(h.alpn, ['acme-tls/1', 'h2']);
    assert.equal(value(sslVerSample(t13)), 0x30003); // legacy_version, not 3.4
    const noTicket = await captureHello(opensslClient(['-noservername', '-tls1_2', '-no_ticket']));
    assert.equal(okHello(noTicket).sessionTicket, undefined);
    assert.equal(value(sslStExtSample(noTicket)), 0);
    assert.equal(value(sslSniSample(noTicket)), 'none');
  });
});

describe('parseClientHello: framing', () => {
  const hs = handshake(helloBody({ exts: STD_EXTS }));
  const whole = okHello(record(hs));

  it('a hello fragmented over two records at any byte gives the same hello', () => {
    for (let k = 1; k < hs.length; k++) {
      const bytes = fragment(hs, [k]);
      const h = okHello(bytes);
      assert.deepEqual(essence(h), essence(whole), `split at ${k}`);
      assert.equal(h.recordCount, 2);
      assert.equal(h.length, bytes.length);
    }
  });

  it('one byte per record, and every prefix of that stream needs more', () => {
    const bytes = fragment(hs, new Array<number>(hs.length).fill(1));
    assert.deepEqual(essence(okHello(bytes)), essence(whole));
    assert.equal(okHello(bytes).recordCount, hs.length);
    for (let i = 0; i < bytes.length; i++) assert.equal(parseClientHello(bytes.subarray(0, i)).status, 'need-more');
  });

  it('length stops right after the hello, whatever follows it', () => {
    const one = record(hs);
    const followed = Buffer.concat([one, record(Buffer.from([0x14, 0, 0, 0])), Buffer.from('junk')]);
    assert.equal(okHello(followed).length, one.length);
    // trailing handshake bytes in the same record (a second message)
    const same = record(Buffer.concat([hs, Buffer.from([0x0b, 0, 0, 0])]));
    assert.equal(okHello(same).length, 5 + hs.length);
    // a hello ending early in a record that is not complete yet is already complete
    assert.equal(parseClientHello(same.subarray(0, 5 + hs.length)).status, 'ok');
  });

  it('rejects what is not a handshake record, as soon as it shows', () => {
    assert.equal(invalidCode(Buffer.from('GET / HTTP/1.1\r\n')), 'TLS_NOT_HANDSHAKE');
    assert.equal(invalidCode(Buffer.from([0x17])), 'TLS_NOT_HANDSHAKE');
    assert.equal(invalidCode(Buffer.from([0x16, 0x02])), 'TLS_BAD_RECORD');
    assert.equal(invalidCode(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])), 'TLS_BAD_RECORD');
    assert.equal(invalidCode(Buffer.from([0x16, 0x03, 0x01, 0x48, 0x01])), 'TLS_BAD_RECORD'); // 18433 > 2^14+2048
    assert.equal(invalidCode(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x02])), 'TLS_NOT_CLIENT_HELLO');
    // a second record that is an alert
    const two = fragment(hs, [10]);
    two[15] = 0x15;
    assert.equal(invalidCode(two), 'TLS_NOT_HANDSHAKE');
  });

  it('absurd handshake lengths fail at once instead of waiting', () => {
    assert.equal(invalidCode(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff])), 'TLS_HELLO_TOO_LONG');
    const r = parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x10, 0x00]), { maxHelloLength: 1000 });
    assert.equal(r.status === 'invalid' && r.code, 'TLS_HELLO_TOO_LONG');
    // a large but allowed declared length just waits
    assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x10, 0x00])).status, 'need-more');
  });
});

describe('parseClientHello: contents', () => {
  it('a hello without extensions (pre-TLS 1.2 style)', () => {
    const h = okHello(hello({ noExt: true }));
    assert.deepEqual(h.extensions, []);
    assert.equal(h.serverName, undefined);
    assert.deepEqual(h.alpn, []);
  });

  it('collects GREASE values and ignores them for the version', () => {
    const h = okHello(
      hello({
        ciphers: [0x0a0a, 0x1301],
        exts: [ext(0x1a1a, []), u16ListExt(10, [0x2a2a, 29]), u16ListExt(43, [0x3a3a, 0x0304, 0x0303], 1), u16ListExt(13, [0x4a4a, 0x0403]), ext(0xfafa, [0])],
      }),
    );
    assert.deepEqual(h.grease, [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0xfafa]);
    assert.equal(h.maxVersion, 0x0304);
    assert.ok(isGrease(0xdada) && !isGrease(0x0a1a) && !isGrease(0x1301));
  });

  it('reports duplicate extensions and keeps the first', () => {
    const h = okHello(hello({ exts: [sniExt('a.example'), alpnExt(['h2']), sniExt('b.example')] }));
    assert.deepEqual(h.duplicateExtensions, [0]);
    assert.equal(h.serverName, 'a.example');
    assert.equal(h.extensions.length, 3);
  });

  it('a malformed extension body leaves its field empty but the hello parses', () => {
    const h = okHello(hello({ exts: [ext(0, [0, 9, 0, 0, 1, 97]), ext(16, [0, 3, 0, 1, 120]), u16ListExt(10, [29])] }));
    assert.deepEqual(h.malformedExtensions, [0, 16]);
    assert.equal(h.serverName, undefined);
    assert.deepEqual(h.alpn, []);
    assert.deepEqual(h.supportedGroups, [29]);
  });

  it('takes the first host_name entry of server_name', () => {
    const names = Buffer.concat([Buffer.from([1, 0, 1, 120]), Buffer.from([0, 0, 3]), Buffer.from('a.b')]);
    const h = okHello(hello({ exts: [ext(0, Buffer.concat([u16(names.length), names]))] }));
    assert.equal(h.serverName, 'a.b');
  });

  it('rejects broken structure with TLS_BAD_CLIENT_HELLO, early when it can', () => {
    assert.equal(invalidCode(hello({ sid: Buffer.alloc(33), exts: STD_EXTS })), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(invalidCode(hello({ ciphers: [], exts: STD_EXTS })), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(invalidCode(hello({ comp: [], exts: STD_EXTS })), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(invalidCode(hello({ version: 0x0200, exts: STD_EXTS })), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(invalidCode(hello({ exts: STD_EXTS, extLenDelta: 1 })), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(invalidCode(hello({ exts: STD_EXTS, extLenDelta: -1 })), 'TLS_BAD_CLIENT_HELLO');
    // an extension whose length runs past the block
    const over = hello({ exts: [Buffer.concat([u16(0), u16(200), Buffer.alloc(4)])] });
    assert.equal(invalidCode(over), 'TLS_BAD_CLIENT_HELLO');
    // a session id length of 40 is known bad from the first 44 bytes on
    const sid40 = hello({ sid: Buffer.alloc(40), exts: STD_EXTS });
    assert.equal(invalidCode(sid40.subarray(0, 44)), 'TLS_BAD_CLIENT_HELLO');
    assert.equal(parseClientHello(sid40.subarray(0, 43)).status, 'need-more');
  });

  it('an SSLv2-compatible hello', () => {
    const h = okHello(SSLV2_HELLO);
    assert.equal(h.sslv2, true);
    assert.equal(h.clientVersion, 0x0301);
    assert.equal(h.recordVersion, 0x0002);
    assert.deepEqual(h.cipherSuites, [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0]);
    assert.equal(h.random.length, 16);
    assert.equal(h.length, SSLV2_HELLO.length);
    for (let i = 0; i < SSLV2_HELLO.length; i++) assert.equal(parseClientHello(SSLV2_HELLO.subarray(0, i)).status, 'need-more');
    const bad = Buffer.from(SSLV2_HELLO);
    bad[10] = 8; // challenge length 8
    assert.equal(invalidCode(bad), 'TLS_BAD_SSLV2_HELLO');
  });

  it('never throws on short or odd input', () => {
    for (let i = 0; i < 256; i++) {
      parseClientHello(Buffer.from([i]));
      parseClientHello(Buffer.from([i, 3, 1, 0, 5, 1, 0, 0, 1, 3]));
    }
    parseClientHello(new Uint8Array(0));
  });
});

describe('haproxy 2.6 fetch semantics (req.ssl_*, res.ssl_hello_type)', () => {
  const std = hello({ exts: STD_EXTS });
  // [name, bytes, expected] — each row as haproxy 2.6.12 answered it
  const rows: Array<[string, Buffer, Record<string, unknown>]> = [
    ['standard hello', std, { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 196611, type: 1, ec: true, st: 1 }],
    ['ticket with data', hello({ exts: [ext(35, Buffer.alloc(20, 3))] }), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 2 }],
    ['no extensions', hello({ noExt: true }), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['SSLv3 client version: only ver and type', hello({ version: 0x0300, exts: STD_EXTS }), { sni: 'none', alpn: 'none', ver: 196608, type: 1, ec: 'none', st: 'none' }],
    ['TLS 1.0 client', hello({ version: 0x0301, exts: STD_EXTS }), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 196609, type: 1, ec: true, st: 1 }],
    ['record type 23 still has a "hello type"', hello({ exts: STD_EXTS }, { type: 0x17 }), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['record version 2.0', hello({ exts: STD_EXTS }, { version: 0x0200 }), { sni: 'none', alpn: 'none', ver: 'none', type: 'none', ec: 'none', st: 'none' }],
    ['record version 4.1 passes (major >= 3)', hello({ exts: STD_EXTS }, { version: 0x0401 }), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 196611, type: 1, ec: true, st: 1 }],
    ['handshake type 2', record(handshake(helloBody({ exts: STD_EXTS }), 2)), { sni: 'none', alpn: 'none', ver: 196611, type: 2, ec: 'none', st: 'none' }],
    ['server_name type 1 then type 0: the second', hello({ exts: [sniExt('first', 1), sniExt('second')] }), { sni: 'second', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 0 }],
    ['two host_names: the first', hello({ exts: [sniExt('a.com'), sniExt('b.com')] }), { sni: 'a.com', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 0 }],
    ['ALPN list length ignored', hello({ exts: [ext(16, [0, 9, 2, 104, 50]), sniExt('zzzzzzz')] }), { sni: 'zzzzzzz', alpn: ['h2'], ver: 196611, type: 1, ec: 'none', st: 0 }],
    ['ALPN zero-length name is an empty value', hello({ exts: [ext(16, [0, 0, 0, 1, 120]), sniExt('z')] }), { sni: 'z', alpn: ['', 'x'], ver: 196611, type: 1, ec: 'none', st: 0 }],
    ['ALPN stops at an overflowing name', hello({ exts: [ext(16, [0, 4, 2, 104, 50, 6]), sniExt('z')] }), { sni: 'z', alpn: ['h2'], ver: 196611, type: 1, ec: 'none', st: 0 }],
    ['extension list longer than the hello', hello({ exts: [sniExt('a.com')], extLenDelta: 5 }), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['extension list shorter: the walk stops early', hello({ exts: [sniExt('a.com'), u16ListExt(10, [29])], extLenDelta: -3 }), { sni: 'a.com', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['session id of 33 bytes', hello({ sid: Buffer.alloc(33), exts: STD_EXTS }), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['fragmented: haproxy only reads the first record', fragment(handshake(helloBody({ exts: STD_EXTS })), [60]), { sni: 'none', alpn: 'none', ver: 196611, type: 1, ec: 'none', st: 'none' }],
    ['handshake length 3 bytes too long', record(handshake(helloBody({ exts: STD_EXTS }), 1, 3)), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 196611, type: 'need-more', ec: true, st: 1 }],
    ['record length 20 bytes short', hello({ exts: STD_EXTS }, { lenDelta: -20 }), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 196611, type: 1, ec: true, st: 1 }],
    ['record length 20 bytes long', hello({ exts: STD_EXTS }, { lenDelta: 20 }), { sni: 'example.com', alpn: ['h2', 'http/1.1'], ver: 'need-more', type: 1, ec: true, st: 1 }],
    ['first 10 bytes', std.subarray(0, 10), { sni: 'need-more', alpn: 'need-more', ver: 'need-more', type: 'need-more', ec: 'need-more', st: 'need-more' }],
    ['first 60 bytes', std.subarray(0, 60), { sni: 'need-more', alpn: 'need-more', ver: 'need-more', type: 'need-more', ec: 'need-more', st: 'need-more' }],
    ['HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), { sni: 'none', alpn: 'none', ver: 'none', type: 'none', ec: 'none', st: 'none' }],
    ['SSLv2 hello, version 0.2', Buffer.from([...SSLV2_HELLO.subarray(0, 3), 0x00, 0x02, ...SSLV2_HELLO.subarray(5)]), { sni: 'none', alpn: 'none', ver: 2, type: 'none', ec: 'none', st: 'none' }],
    ['SSLv2 hello, version 3.1', SSLV2_HELLO, { sni: 'none', alpn: 'none', ver: 196609, type: 'none', ec: 'none', st: 'none' }],
    ['SSLv2 hello minus its last byte', SSLV2_HELLO.subarray(0, SSLV2_HELLO.length - 1), { sni: 'none', alpn: 'none', ver: 'need-more', type: 'none', ec: 'none', st: 'none' }],
    ['a 4-byte handshake record', Buffer.from('160301000401000000', 'hex'), { sni: 'none', alpn: 'none', ver: 'need-more', type: 1, ec: 'none', st: 'none' }],
  ];
  for (const [name, bytes, expected] of rows) {
    it(name, () => assert.deepEqual(fetches(bytes), expected));
  }

  it('res.ssl_hello_type on a ServerHello record', () => {
    const sh = record(handshake(Buffer.alloc(70, 0), 2), { version: 0x0303 });
    assert.deepEqual(parseServerHelloType(sh), { status: 'ok', value: 2 });
    assert.deepEqual(parseServerHelloType(sh.subarray(0, sh.length - 1)), { status: 'need-more' });
    assert.deepEqual(parseServerHelloType(Buffer.from('HTTP/1.1 200 OK\r\n')), { status: 'none' });
  });

  it('req.ssl_ver caps the wait at the buffer limit', () => {
    const big = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03]), Buffer.alloc(200)]);
    assert.deepEqual(sslVerSample(big), { status: 'need-more' });
    assert.deepEqual(sslVerSample(big, 100), { status: 'ok', value: 0x30003 });
  });

  it('every prefix of a hello answers need-more or the final value', () => {
    const whole = fetches(std);
    for (let i = 0; i < std.length; i++) {
      const p = fetches(std.subarray(0, i));
      for (const [k, v] of Object.entries(p)) if (v !== 'need-more') assert.deepEqual(v, whole[k], `prefix ${i} ${k}`);
    }
  });
});

describe('agrees with haproxy 2.6 on the req.ssl_* fetches (live)', { skip: !haproxyAvailable() }, () => {
  let proxy: RunningProxy | undefined;
  const FETCHES = ['req.ssl_sni', 'req.ssl_alpn', 'req.ssl_ver', 'req.ssl_hello_type', 'req.ssl_ec_ext', 'req.ssl_st_ext'];
  before(async () => {
    const sets = FETCHES.map((f, i) => `  tcp-request content set-var(sess.v${i}) ${f}`).join('\n');
    const cfg = [
      'global',
      '  log stdout format raw local0',
      'defaults',
      '  mode tcp',
      '  log global',
      '  timeout client 2s',
      '  timeout server 2s',
      '  timeout connect 1s',
      'frontend fe',
      '  bind ${ADDR:fe}',
      '  tcp-request inspect-delay 200ms',
      sets,
      '  tcp-request content set-var(sess.m) int(1) if { req.ssl_alpn http/1.1 }',
      '  tcp-request content reject',
      `  log-format "V ${FETCHES.map((_, i) => `%[var(sess.v${i})]`).join('|')}|%[var(sess.m)]"`,
      '',
    ].join('\n');
    proxy = await startProxy('haproxy', cfg);
  });
  after(async () => {
    await proxy?.stop();
  });

  const send = (port: number, bytes: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
      s.on('error', () => undefined);
      s.on('close', () => resolve());
      s.setTimeout(2000, () => s.destroy());
    });

  it('on crafted hellos, every fetch gives the same value', async () => {
    const p = proxy;
    assert.ok(p);
    const inputs = [
      hello({ exts: STD_EXTS }),
      hello({ version: 0x0300, exts: STD_EXTS }),
      hello({ exts: STD_EXTS }, { type: 0x17 }),
      hello({ exts: [sniExt('first', 1), sniExt('second'), ext(35, [9, 9])] }),
      hello({ exts: [ext(16, [0, 9, 2, 104, 50, 8, ...Buffer.from('http/1.1')])] }),
      hello({ exts: [sniExt('a.com')], extLenDelta: 5 }),
      Buffer.from([...SSLV2_HELLO.subarray(0, 3), 0x00, 0x02, ...SSLV2_HELLO.subarray(5)]),
      Buffer.from('GET / HTTP/1.0\r\n\r\n'),
    ];
    const port = p.ports['fe'] ?? 0;
    for (let i = 0; i < inputs.length; i++) {
      const bytes = inputs[i] as Buffer;
      await send(port, bytes);
      const deadline = Date.now() + 2000;
      let lines: string[] = [];
      while (Date.now() < deadline) {
        lines = p.stdout().split('\n').filter((l) => l.startsWith('V '));
        if (lines.length > i) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const got = (lines[i] ?? '').slice(2).split('|');
      const f = fetches(bytes);
      const show = (v: unknown): string => (v === 'none' || v === 'need-more' ? '-' : Array.isArray(v) ? String(v[0]) : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
      const ours = [show(f['sni']), show(f['alpn']), show(f['ver']), show(f['type']), show(f['ec']), show(f['st'])];
      const alpn = f['alpn'];
      ours.push(Array.isArray(alpn) && alpn.includes('http/1.1') ? '1' : '-');
      assert.deepEqual(got, ours, `input ${i}`);
    }
  });
});
