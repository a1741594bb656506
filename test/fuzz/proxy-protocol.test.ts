/**
 * Properties of the PROXY protocol parser and builders (fast-check):
 *  - random bytes, random bytes after "PROXY " or after the v2 signature,
 *    and mutated valid headers never make the parser throw; invalid results
 *    carry haproxy's message for their code;
 *  - any prefix of an input answers `need-more` or the whole input's answer;
 *  - buildProxyV1 / buildProxyV2 output parses back to the same addresses
 *    and TLVs, the CRC32C verifies, and every proper prefix needs more.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fc from 'fast-check';
import {
  buildProxyV1,
  buildProxyV2,
  formatIPv6,
  parseProxyHeader,
  PP2_SIGNATURE,
  PROXY_ERROR_MESSAGES,
  type ProxyEndpoint,
  type ProxyParseResult,
  type ProxyV2Options,
} from '../../src/net/proxy-protocol.js';

function digest(r: ProxyParseResult): string {
  return JSON.stringify(r, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') return Buffer.from((v as { data: number[] }).data).toString('hex');
    return v;
  });
}

function wellFormed(r: ProxyParseResult, input: Uint8Array): void {
  if (r.status === 'invalid') {
    assert.equal(r.reason, PROXY_ERROR_MESSAGES[r.code]);
    assert.ok(r.detail.length > 0);
  } else if (r.status === 'ok') {
    assert.ok(r.length > 0 && r.length <= input.length);
  }
}

function prefixConsistent(input: Uint8Array, cuts: readonly number[]): void {
  const whole = digest(parseProxyHeader(input));
  for (const c of cuts) {
    const r = parseProxyHeader(input.subarray(0, c % (input.length + 1)));
    if (r.status !== 'need-more') assert.equal(digest(r), whole);
  }
}

const v1Char = fc.constantFrom(...'0123456789.:abcdefABCDEF PROXYTCP46UNKOW\r\n\0x'.split(''));
const v1Tail = fc.array(v1Char, { maxLength: 60 }).map((cs) => cs.join(''));
const v1Line = fc.tuple(fc.constantFrom('TCP4 ', 'TCP6 ', 'UNKNOWN', 'TCP5 ', ''), v1Tail).map(([p, t]) => Buffer.from(`PROXY ${p}${t}`, 'latin1'));

const v2Raw = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32, 0x77), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: -4, max: 4 }))
  .map(([verCmd, fam, body, delta]) => {
    const h = Buffer.alloc(16);
    PP2_SIGNATURE.copy(h);
    h[12] = verCmd;
    h[13] = fam;
    h.writeUInt16BE(Math.max(0, body.length + delta), 14);
    return Buffer.concat([h, body]);
  });

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b, 0));
const endpoint = fc.record({ address: fc.oneof(ipv4, ipv6), port: fc.nat(65535) });
const latin1 = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary-ascii', maxLength: max });

describe('PROXY protocol properties', () => {
  test('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 4 }), (b, cuts) => {
        wellFormed(parseProxyHeader(b), b);
        prefixConsistent(b, cuts);
      }),
      { numRuns: 3000 },
    );
  });

  test('random v1 lines never throw and stay prefix-consistent', () => {
    fc.assert(
      fc.property(v1Line, fc.array(fc.nat(), { maxLength: 8 }), (b, cuts) => {
        wellFormed(parseProxyHeader(b), b);
        prefixConsistent(b, cuts);
      }),
      { numRuns: 3000 },
    );
  });

  test('random v2 headers never throw and stay prefix-consistent', () => {
    fc.assert(
      fc.property(v2Raw, fc.array(fc.nat(), { maxLength: 8 }), (b, cuts) => {
        wellFormed(parseProxyHeader(b), b);
        prefixConsistent(b, cuts);
      }),
      { numRuns: 3000 },
    );
  });

  test('buildProxyV1 parses back, whatever follows it', () => {
    fc.assert(
      fc.property(endpoint, endpoint, fc.uint8Array({ maxLength: 20 }), (src, dst, tail) => {
        const line = buildProxyV1({ source: src, destination: dst });
        const r = parseProxyHeader(Buffer.concat([line, tail]));
        if (r.status !== 'ok') assert.fail(`${line.toString()}: ${digest(r)}`);
        assert.equal(r.length, line.length);
        const v6 = src.address.includes(':') || dst.address.includes(':');
        const expect = (e: { address: string; port: number }): ProxyEndpoint => ({
          family: v6 ? 'IPv6' : 'IPv4',
          address: v6 && !e.address.includes(':') ? `::ffff:${e.address}` : e.address,
          port: e.port,
        });
        assert.deepEqual(r.header.source, expect(src));
        assert.deepEqual(r.header.destination, expect(dst));
        for (let i = 0; i < line.length; i++) assert.equal(parseProxyHeader(line.subarray(0, i)).status, 'need-more');
      }),
      { numRuns: 500 },
    );
  });

  test('buildProxyV2 parses back with its TLVs and a valid CRC32C', () => {
    const options: fc.Arbitrary<ProxyV2Options> = fc.record(
      { crc32c: fc.boolean(), authority: fc.boolean(), uniqueId: fc.boolean(), ssl: fc.boolean(), certCn: fc.boolean(), sslCipher: fc.boolean(), certSig: fc.boolean(), certKey: fc.boolean() },
      { requiredKeys: [] },
    );
    const values = fc.record(
      {
        alpn: latin1(20),
        authority: latin1(255),
        uniqueId: latin1(128),
        netns: latin1(10),
        ssl: fc.record({ version: latin1(8), cn: latin1(20), cipher: latin1(20), sigAlg: latin1(10), keyAlg: latin1(10), certUsedSess: fc.boolean(), certUsedConn: fc.boolean(), verify: fc.nat() }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(endpoint, endpoint, fc.boolean(), values, options, fc.array(fc.nat(), { maxLength: 6 }), (src, dst, local, vals, opts, cuts) => {
        const h = buildProxyV2({ source: src, destination: dst, local }, vals, opts);
        const r = parseProxyHeader(h);
        if (r.status !== 'ok') assert.fail(digest(r));
        assert.equal(r.length, h.length);
        const hd = r.header;
        if (local) {
          assert.equal(hd.command, 'local');
          assert.equal(hd.overridesAddresses, false);
        } else {
          assert.equal(hd.overridesAddresses, true);
          assert.equal(hd.source?.family === 'unix' ? '' : hd.source?.port, src.port);
          assert.equal(hd.destination?.family === 'unix' ? '' : hd.destination?.port, dst.port);
          assert.equal(hd.authority, opts.authority ? vals.authority : undefined);
          assert.equal(hd.uniqueId, opts.uniqueId ? (vals.uniqueId ?? '') : undefined);
          assert.equal(hd.alpn?.toString('latin1'), vals.alpn === undefined || vals.alpn === '' ? undefined : vals.alpn);
          assert.equal(hd.crc32c !== undefined, opts.crc32c === true);
          assert.equal(hd.ssl !== undefined, opts.ssl === true);
          if (opts.ssl && vals.ssl !== undefined) {
            assert.equal(hd.ssl?.client !== undefined && (hd.ssl.client & 1) === 1, true);
            if (opts.sslCipher) assert.equal(hd.ssl?.cipher, vals.ssl.cipher === '' ? undefined : vals.ssl.cipher);
          }
        }
        // the header is checked as a whole before any byte is used
        for (const c of cuts) {
          const n = c % h.length;
          assert.equal(parseProxyHeader(h.subarray(0, n)).status, 'need-more');
        }
      }),
      { numRuns: 500 },
    );
  });

  test('flipping a byte of a CRC-protected header is caught', () => {
    const h = buildProxyV2({ source: { address: '192.0.2.1', port: 1 }, destination: { address: '192.0.2.2', port: 2 } }, { authority: 'a.example', uniqueId: 'x' }, { crc32c: true, authority: true, uniqueId: true });
    fc.assert(
      fc.property(fc.nat(h.length - 1), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat(), { maxLength: 4 }), (pos, x, cuts) => {
        const m = Buffer.from(h);
        m[pos] = (m[pos] as number) ^ x;
        const r = parseProxyHeader(m);
        wellFormed(r, m);
        // past the 16-byte preamble, a change is rejected unless it turned the
        // CRC32C TLV into another type (haproxy then has nothing to verify)
        if (pos >= 16 && r.status === 'ok' && r.header.crc32c !== undefined) assert.fail(`flip at ${pos} accepted`);
        prefixConsistent(m, cuts);
      }),
      { numRuns: 1000 },
    );
  });
});
