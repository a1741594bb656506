/**
 * Properties of the ClientHello parser and the haproxy-style fetches
 * (fast-check):
 *  - random bytes (and random bytes behind a plausible record header) never
 *    make them throw, and results are well formed;
 *  - mutated real hellos (captured from Node's tls.connect) never throw, and
 *    any prefix of an input answers `need-more` or exactly what the whole
 *    input answers — so feeding a stream chunk by chunk gives the result of
 *    the whole;
 *  - every split point of a real hello, and any re-fragmentation of it into
 *    TLS records, gives the same hello.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { before, describe, test } from 'node:test';
import * as fc from 'fast-check';
import {
  parseClientHello,
  sslAlpnSample,
  sslEcExtSample,
  sslHelloTypeSample,
  sslSniSample,
  sslStExtSample,
  sslVerSample,
  type ClientHelloResult,
} from '../../src/tls/client-hello.js';

/** Captures the first flight of a Node TLS client on a local recording server. */
function captureNodeHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let client: tls.TLSSocket | undefined;
    const timer = setTimeout(() => reject(new Error('no hello captured')), 5000);
    const server = net.createServer((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (parseClientHello(all).status !== 'need-more') {
          clearTimeout(timer);
          s.destroy();
          client?.destroy();
          server.close();
          resolve(all);
        }
      });
      s.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      client = tls.connect({ host: '127.0.0.1', port: typeof a === 'object' && a !== null ? a.port : 0, rejectUnauthorized: false, ...opts });
      client.on('error', () => undefined);
    });
  });
}

/** A comparable digest of a parse result (Buffers as hex). */
function digest(r: ClientHelloResult): string {
  if (r.status !== 'ok') return JSON.stringify(r);
  return JSON.stringify(r.hello, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') return Buffer.from((v as { data: number[] }).data).toString('hex');
    return v;
  });
}

function samples(b: Uint8Array): string {
  return JSON.stringify([sslSniSample(b), sslAlpnSample(b), sslVerSample(b), sslHelloTypeSample(b), sslEcExtSample(b), sslStExtSample(b)]);
}
function sampleList(b: Uint8Array): Array<{ status: string }> {
  return [sslSniSample(b), sslAlpnSample(b), sslVerSample(b), sslHelloTypeSample(b), sslEcExtSample(b), sslStExtSample(b)];
}

function wellFormed(r: ClientHelloResult, input: Uint8Array): void {
  if (r.status === 'invalid') {
    assert.match(r.code, /^TLS_[A-Z0-9_]+$/);
    assert.ok(r.reason.length > 0);
  } else if (r.status === 'ok') {
    assert.ok(r.hello.length <= input.length);
    assert.ok(r.hello.cipherSuites.length > 0);
    for (const e of r.hello.extensions) assert.ok(e.type >= 0 && e.type <= 0xffff);
  }
}

/** Prefix property: every prefix answers need-more or the whole input's answer. */
function prefixConsistent(input: Uint8Array, cuts: number[]): void {
  const whole = digest(parseClientHello(input));
  const wholeSamples = sampleList(input).map((s) => JSON.stringify(s));
  for (const c of cuts) {
    const p = input.subarray(0, c % (input.length + 1));
    const r = parseClientHello(p);
    if (r.status !== 'need-more') {
      // an `ok` prefix must already hold the whole hello: same digest
      assert.equal(digest(r), whole, `prefix ${p.length} of ${input.length}`);
    }
    sampleList(p).forEach((s, i) => {
      if (s.status !== 'need-more') assert.equal(JSON.stringify(s), wholeSamples[i], `sample ${i} on prefix ${p.length}`);
    });
  }
}

let real: Buffer = Buffer.alloc(0);
let realTls12: Buffer = Buffer.alloc(0);

describe('ClientHello properties', () => {
  before(async () => {
    real = await captureNodeHello({ servername: 'fuzz.example', ALPNProtocols: ['h2', 'http/1.1'] });
    realTls12 = await captureNodeHello({ servername: 'a.b', maxVersion: 'TLSv1.2' });
  });

  test('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        wellFormed(parseClientHello(bytes), bytes);
        samples(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  test('random bytes behind a handshake record header never throw and stay prefix-consistent', () => {
    const head = fc.tuple(fc.integer({ min: 0, max: 0x44ff }), fc.integer({ min: 0, max: 0x1ff }), fc.uint8Array({ maxLength: 300 }));
    fc.assert(
      fc.property(head, fc.array(fc.nat(), { maxLength: 6 }), ([recLen, hsLen, rest], cuts) => {
        const b = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, recLen >> 8, recLen & 0xff, 0x01, 0x00, hsLen >> 8, hsLen & 0xff, 0x03, 0x03]), rest]);
        wellFormed(parseClientHello(b), b);
        prefixConsistent(b, cuts);
      }),
      { numRuns: 2000 },
    );
  });

  test('mutated real hellos never throw and every prefix agrees with the whole', () => {
    const mutation = fc.record({
      base: fc.constantFrom(0, 1),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(mutation, ({ base, edits, cut, cuts }) => {
        const src = base === 0 ? real : realTls12;
        const b = Buffer.from(src);
        for (const [pos, byte] of edits) b[pos % b.length] = byte;
        const input = cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
        wellFormed(parseClientHello(input), input);
        prefixConsistent(input, cuts);
      }),
      { numRuns: 1500 },
    );
  });

  test('every split point of a real hello, fed incrementally, gives the whole result', () => {
    for (const src of [real, realTls12]) {
      const whole = digest(parseClientHello(src));
      assert.equal(parseClientHello(src).status, 'ok');
      for (let k = 0; k < src.length; k++) {
        // a receiver that parses what it has after each chunk
        assert.equal(parseClientHello(src.subarray(0, k)).status, 'need-more', `split at ${k}`);
        assert.equal(digest(parseClientHello(Buffer.concat([src.subarray(0, k), src.subarray(k)]))), whole);
      }
    }
  });

  test('random chunkings: the first non-need-more answer is the whole answer', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        const whole = digest(parseClientHello(real));
        let have = 0;
        let answer: string | undefined;
        for (let i = 0; answer === undefined && have < real.length; i++) {
          have = Math.min(real.length, have + (sizes[i % sizes.length] as number));
          const r = parseClientHello(real.subarray(0, have));
          if (r.status !== 'need-more') answer = digest(r);
        }
        assert.equal(answer, whole);
      }),
      { numRuns: 300 },
    );
  });

  test('re-fragmenting the handshake into records keeps the hello', () => {
    const recLen = real.readUInt16BE(3);
    const hs = real.subarray(5, 5 + recLen);
    const whole = parseClientHello(real);
    assert.equal(whole.status, 'ok');
    const ess = (r: ClientHelloResult): string => {
      if (r.status !== 'ok') return r.status;
      const { recordCount: _rc, length: _l, extensions, ...rest } = r.hello;
      return digest({ status: 'ok', hello: { ...rest, extensions: extensions.map((e) => ({ type: e.type, data: e.data })) } as never });
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const recs: Buffer[] = [];
        let p = 0;
        for (let i = 0; p < hs.length; i++) {
          const n = Math.min(hs.length - p, sizes[i % sizes.length] as number);
          const h = Buffer.from([0x16, 0x03, 0x01, n >> 8, n & 0xff]);
          recs.push(h, hs.subarray(p, p + n));
          p += n;
        }
        const stream = Buffer.concat(recs);
        const r = parseClientHello(stream);
        assert.equal(ess(r), ess(whole));
        assert.equal(r.status === 'ok' && r.hello.length, stream.length);
      }),
      { numRuns: 300 },
    );
  });
});
