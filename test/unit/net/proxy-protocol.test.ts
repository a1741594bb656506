/**
 * PROXY protocol v1/v2: parseProxyHeader() verdicts (haproxy 2.6's, quirks
 * included), the builders against bytes haproxy 2.6 sends, CRC32C, and live
 * interoperability with /usr/sbin/haproxy in both directions:
 *  - haproxy sends (`send-proxy`, `send-proxy-v2` + `proxy-v2-options`) to a
 *    recording origin: we decode it and rebuild the very same bytes;
 *  - haproxy receives (`bind ... accept-proxy`): every row of the verdict
 *    table is sent to it, and its answer (addresses echoed by `http-request
 *    return`, or the error it logs) must be ours.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { crc32c, crc32cFinish, crc32cUpdate, crc32cUpdateZeros, CRC32C_INIT } from '../../../src/net/crc32c.js';
import {
  buildProxyV1,
  buildProxyV2,
  formatIPv6,
  parseIPv6,
  parseProxyHeader,
  PP2_SIGNATURE,
  PROXY_ERROR_MESSAGES,
  proxyV2OptionsFrom,
  type ProxyEndpoint,
  type ProxyHeader,
  type ProxyParseResult,
} from '../../../src/net/proxy-protocol.js';
import { certVars, getCerts } from '../../helpers/certs.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

function v2(verCmd: number, fam: number, body: Buffer | number[]): Buffer {
  const b = Buffer.from(body);
  const h = Buffer.alloc(16);
  PP2_SIGNATURE.copy(h);
  h[12] = verCmd;
  h[13] = fam;
  h.writeUInt16BE(b.length, 14);
  return Buffer.concat([h, b]);
}
function tlv(type: number, value: Buffer | number[] | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  const h = Buffer.alloc(3);
  h[0] = type;
  h.writeUInt16BE(v.length, 1);
  return Buffer.concat([h, v]);
}
/** 1.2.3.4:111 -> 5.6.7.8:222 */
const A4 = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 111, 0, 222]);
/** [2001:db8::1]:111 -> [::ffff:10.0.0.1]:222 */
const A6 = Buffer.concat([
  Buffer.from('20010db8000000000000000000000001', 'hex'),
  Buffer.from('00000000000000000000ffff0a000001', 'hex'),
  Buffer.from([0, 111, 0, 222]),
]);
/** A v2 TCP4 header whose TLVs end with a valid CRC32C TLV. */
function withCrc(tlvs: Buffer[]): Buffer {
  const h = v2(0x21, 0x11, Buffer.concat([A4, ...tlvs, tlv(3, [0, 0, 0, 0])]));
  h.writeUInt32BE(crc32c(h), h.length - 4);
  return h;
}

const ep = (address: string, port: number): Extract<ProxyEndpoint, { port: number }> => ({ family: address.includes(':') ? 'IPv6' : 'IPv4', address, port });

type Expect =
  | { ok: { length: number; src?: string; dst?: string; authority?: string; uniqueId?: string } }
  | { bad: keyof typeof PROXY_ERROR_MESSAGES };

/** Verdicts of haproxy 2.6.12 for each input (re-checked live below). */
const ROWS: Array<[string, Buffer, Expect]> = [
  ['v1 TCP4', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n'), { ok: { length: 36, src: '1.2.3.4:111', dst: '5.6.7.8:222' } }],
  ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n'), { ok: { length: 15 } }],
  ['v1 UNKNOWN with addresses is rejected', Buffer.from('PROXY UNKNOWN 1.2.3.4 5.6.7.8 111 222\r\n'), { bad: 'PP_BAD_PROTO' }],
  ['v1 leading zeros accepted', Buffer.from('PROXY TCP4 001.2.3.4 5.6.7.8 111 222\r\n'), { ok: { length: 38, src: '1.2.3.4:111', dst: '5.6.7.8:222' } }],
  ['v1 short IPv4 form', Buffer.from('PROXY TCP4 1.2 5.6.7.8 111 222\r\n'), { ok: { length: 32, src: '1.2.0.0:111', dst: '5.6.7.8:222' } }],
  ['v1 IPv4 group over 255 wraps', Buffer.from('PROXY TCP4 999.2.3.4 5.6.7.8 111 222\r\n'), { ok: { length: 38, src: '231.2.3.4:111', dst: '5.6.7.8:222' } }],
  ['v1 port over 65535 wraps', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65537 222\r\n'), { ok: { length: 38, src: '1.2.3.4:1', dst: '5.6.7.8:222' } }],
  ['v1 empty port is 0', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8  222\r\n'), { ok: { length: 33, src: '1.2.3.4:0', dst: '5.6.7.8:222' } }],
  ['v1 TCP4 five groups', Buffer.from('PROXY TCP4 1.2.3.4.5 5.6.7.8 111 222\r\n'), { bad: 'PP_BAD_HEADER' }],
  ['v1 TCP4 letter in port', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 11a 222\r\n'), { bad: 'PP_BAD_HEADER' }],
  ['v1 TCP6', Buffer.from('PROXY TCP6 2001:db8::1 ::2 111 222\r\n'), { ok: { length: 36, src: '2001:db8::1:111', dst: '::2:222' } }],
  ['v1 TCP6 extra words ignored', Buffer.from('PROXY TCP6 ::1 ::2 111 222 junk\r\n'), { ok: { length: 33, src: '::1:111', dst: '::2:222' } }],
  ['v1 TCP6 mapped IPv4', Buffer.from('PROXY TCP6 ::ffff:1.2.3.4 ::2 111 222\r\n'), { ok: { length: 39, src: '::ffff:1.2.3.4:111', dst: '::2:222' } }],
  ['v1 TCP6 bad address', Buffer.from('PROXY TCP6 ::1::2 ::2 111 222\r\n'), { bad: 'PP_BAD_HEADER' }],
  ['v1 TCP6 missing port', Buffer.from('PROXY TCP6 ::1 ::2 111\r\n'), { bad: 'PP_BAD_HEADER' }],
  ['v1 TCP5', Buffer.from('PROXY TCP5 ::1 ::2 111 222\r\n'), { bad: 'PP_BAD_PROTO' }],
  ['v1 LF without CR', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 111 222\n'), { bad: 'PP_BAD_HEADER' }],
  ['not a PROXY header', Buffer.from('GET / HTTP/1.0\r\n\r\n'), { bad: 'PP_NOT_HEADER' }],
  ['v2 TCP4', v2(0x21, 0x11, A4), { ok: { length: 28, src: '1.2.3.4:111', dst: '5.6.7.8:222' } }],
  ['v2 TCP6', v2(0x21, 0x21, A6), { ok: { length: 52, src: '2001:db8::1:111', dst: '::ffff:10.0.0.1:222' } }],
  ['v2 LOCAL, any family', v2(0x20, 0x77, [1, 2, 3]), { ok: { length: 19 } }],
  ['v2 LOCAL with TCP4 addresses', v2(0x20, 0x11, A4), { ok: { length: 28 } }],
  ['v2 LOCAL over AF_UNIX', v2(0x20, 0x31, Buffer.alloc(216)), { ok: { length: 232 } }],
  ['v2 PROXY over UDP is rejected', v2(0x21, 0x12, A4), { bad: 'PP_BAD_HEADER' }],
  ['v2 PROXY over AF_UNIX is rejected', v2(0x21, 0x31, Buffer.alloc(216)), { bad: 'PP_BAD_HEADER' }],
  ['v2 PROXY over UNSPEC is rejected', v2(0x21, 0x00, []), { bad: 'PP_BAD_HEADER' }],
  ['v2 command 2', v2(0x22, 0x11, A4), { bad: 'PP_BAD_HEADER' }],
  ['v2 version 1', v2(0x11, 0x11, A4), { bad: 'PP_NOT_HEADER' }],
  ['v2 TCP4 address block too short', v2(0x21, 0x11, Buffer.alloc(8)), { bad: 'PP_BAD_HEADER' }],
  ['v2 AUTHORITY and UNIQUE_ID', v2(0x21, 0x11, Buffer.concat([A4, tlv(2, 'example.com'), tlv(5, 'abc')])), { ok: { length: 48, src: '1.2.3.4:111', dst: '5.6.7.8:222', authority: 'example.com', uniqueId: 'abc' } }],
  ['v2 AUTHORITY of 255 bytes', v2(0x21, 0x11, Buffer.concat([A4, tlv(2, 'a'.repeat(255))])), { ok: { length: 286, src: '1.2.3.4:111', dst: '5.6.7.8:222', authority: 'a'.repeat(255) } }],
  ['v2 AUTHORITY of 256 bytes', v2(0x21, 0x11, Buffer.concat([A4, tlv(2, 'a'.repeat(256))])), { bad: 'PP_BAD_HEADER' }],
  ['v2 UNIQUE_ID of 128 bytes', v2(0x21, 0x11, Buffer.concat([A4, tlv(5, 'u'.repeat(128))])), { ok: { length: 159, src: '1.2.3.4:111', dst: '5.6.7.8:222', uniqueId: 'u'.repeat(128) } }],
  ['v2 UNIQUE_ID of 129 bytes', v2(0x21, 0x11, Buffer.concat([A4, tlv(5, 'u'.repeat(129))])), { bad: 'PP_BAD_HEADER' }],
  ['v2 the last AUTHORITY wins', v2(0x21, 0x11, Buffer.concat([A4, tlv(2, 'x'), tlv(2, 'yy')])), { ok: { length: 37, src: '1.2.3.4:111', dst: '5.6.7.8:222', authority: 'yy' } }],
  ['v2 truncated TLV header', v2(0x21, 0x11, Buffer.concat([A4, Buffer.from([4, 0])])), { bad: 'PP_BAD_HEADER' }],
  ['v2 TLV overflowing the header', v2(0x21, 0x11, Buffer.concat([A4, Buffer.from([4, 0, 5, 1])])), { bad: 'PP_BAD_HEADER' }],
  ['v2 good CRC32C', withCrc([tlv(2, 'crc.example')]), { ok: { length: 49, src: '1.2.3.4:111', dst: '5.6.7.8:222', authority: 'crc.example' } }],
  ['v2 wrong CRC32C', v2(0x21, 0x11, Buffer.concat([A4, tlv(3, [0, 0, 0, 0])])), { bad: 'PP_BAD_HEADER' }],
  ['v2 CRC32C TLV of 3 bytes', v2(0x21, 0x11, Buffer.concat([A4, tlv(3, [0, 0, 0])])), { bad: 'PP_BAD_HEADER' }],
  ['v2 malformed SSL TLV is not checked', v2(0x21, 0x11, Buffer.concat([A4, tlv(0x20, [1, 2])])), { ok: { length: 33, src: '1.2.3.4:111', dst: '5.6.7.8:222' } }],
  ['v2 NETNS, NOOP, custom TLVs skipped', v2(0x21, 0x11, Buffer.concat([A4, tlv(0x30, 'nope'), tlv(4, []), tlv(0xe0, 'x')])), { ok: { length: 42, src: '1.2.3.4:111', dst: '5.6.7.8:222' } }],
];

function show(e: ProxyEndpoint | undefined): string | undefined {
  if (e === undefined) return undefined;
  return e.family === 'unix' ? e.path : `${e.address}:${e.port}`;
}

function check(name: string, r: ProxyParseResult, exp: Expect): void {
  if ('bad' in exp) {
    assert.equal(r.status, 'invalid', name);
    if (r.status === 'invalid') {
      assert.equal(r.code, exp.bad, name);
      assert.equal(r.reason, PROXY_ERROR_MESSAGES[exp.bad], name);
    }
    return;
  }
  if (r.status !== 'ok') assert.fail(`${name}: ${JSON.stringify(r)}`);
  assert.equal(r.length, exp.ok.length, name);
  const h = r.header;
  if (exp.ok.src !== undefined) {
    assert.equal(h.overridesAddresses, true, name);
    assert.equal(show(h.source), exp.ok.src, name);
    assert.equal(show(h.destination), exp.ok.dst, name);
  } else assert.equal(h.overridesAddresses, false, name);
  assert.equal(h.authority, exp.ok.authority, name);
  assert.equal(h.uniqueId, exp.ok.uniqueId, name);
}

describe('crc32c', () => {
  it('has the RFC 4960 check value and streams', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    const b = Buffer.from('abc\0\0\0\0def');
    const streamed = crc32cFinish(crc32cUpdate(crc32cUpdateZeros(crc32cUpdate(CRC32C_INIT, b, 0, 3), 4), b, 7));
    assert.equal(streamed, crc32c(b));
  });
});

describe('glibc-compatible IPv6 text', () => {
  const p = (s: string): Uint8Array | null => parseIPv6(Buffer.from(s), 0, s.length);
  it('parses what inet_pton accepts', () => {
    for (const s of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', '64:ff9b::192.0.2.33', 'FE80::A']) assert.notEqual(p(s), null, s);
    for (const s of ['', ':', ':1', '1:', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '::1.2.3', '::01.2.3.4', '::256.1.1.1', '1:2:3:4:5:6:7:8::', 'g::', '::1%eth0']) assert.equal(p(s), null, s);
  });
  it('formats as inet_ntop does', () => {
    const f = (s: string): string => formatIPv6(p(s) as Uint8Array, 0);
    assert.equal(f('0:0:0:0:0:0:0:0'), '::');
    assert.equal(f('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(f('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(f('1:0:2:3:4:5:6:7'), '1:0:2:3:4:5:6:7');
    assert.equal(f('::ffff:102:304'), '::ffff:1.2.3.4');
    assert.equal(f('::102:304'), '::1.2.3.4');
    assert.equal(f('::ffff:0:0'), '::ffff:0.0.0.0');
    assert.equal(f('1::'), '1::');
    assert.equal(f('ABCD::EF'), 'abcd::ef');
  });
});

describe('parseProxyHeader: verdicts', () => {
  for (const [name, bytes, exp] of ROWS) {
    it(name, () => {
      check(name, parseProxyHeader(Buffer.concat([bytes, Buffer.from('GET / HTTP/1.0\r\n\r\n')])), exp);
      // alone, without trailing data, the verdict is the same (or more is needed for a v1 line end)
      const alone = parseProxyHeader(bytes);
      if (alone.status !== 'need-more') check(name, alone, exp);
    });
  }

  it('every proper prefix of a valid header needs more', () => {
    for (const [name, bytes, exp] of ROWS) {
      if (!('ok' in exp)) continue;
      for (let i = 0; i < exp.ok.length; i++) assert.equal(parseProxyHeader(bytes.subarray(0, i)).status, 'need-more', `${name} prefix ${i}`);
    }
  });

  it('waits like haproxy decides: 6 bytes for "PROXY ", 16 for the v2 signature', () => {
    assert.equal(parseProxyHeader(Buffer.from('GET /')).status, 'need-more');
    assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.0\r')).status, 'need-more');
    assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.0\r\n')).status, 'invalid');
  });

  it('a header that cannot fit tune.bufsize is truncated', () => {
    const big = v2(0x21, 0x11, Buffer.concat([A4, tlv(4, Buffer.alloc(20000))]));
    const r = parseProxyHeader(big.subarray(0, 16));
    assert.equal(r.status === 'invalid' && r.code, 'PP_TRUNCATED');
    assert.equal(parseProxyHeader(big, { maxLength: 70000 }).status, 'ok');
    const line = Buffer.from(`PROXY TCP4 ${'1'.repeat(200)}`);
    const r1 = parseProxyHeader(line, { maxLength: 107 });
    assert.equal(r1.status === 'invalid' && r1.code, 'PP_TRUNCATED');
  });

  it('an invalid TLV after valid addresses reports them (haproxy already applied them)', () => {
    const r = parseProxyHeader(v2(0x21, 0x11, Buffer.concat([A4, tlv(3, [1, 2, 3, 4])])));
    assert.equal(r.status, 'invalid');
    if (r.status === 'invalid') assert.equal(show(r.source), '1.2.3.4:111');
  });

  it('decodes TLVs: ALPN, SSL with sub-TLVs, NETNS, CRC value, offsets', () => {
    const ssl = Buffer.concat([Buffer.from([0x07, 0, 0, 0, 0]), tlv(0x21, 'TLSv1.3'), tlv(0x22, 'client1'), tlv(0x25, 'RSA2048'), tlv(0x24, 'RSA-SHA256'), tlv(0x23, 'TLS_AES_256_GCM_SHA384')]);
    const h = withCrc([tlv(1, 'h2'), tlv(0x20, ssl), tlv(0x30, 'blue')]);
    const r = parseProxyHeader(h);
    if (r.status !== 'ok') assert.fail(JSON.stringify(r));
    const hd: ProxyHeader = r.header;
    assert.equal(hd.alpn?.toString(), 'h2');
    assert.equal(hd.netns, 'blue');
    assert.equal(hd.crc32c, h.readUInt32BE(h.length - 4));
    assert.deepEqual(
      { ...hd.ssl, subTlvs: hd.ssl?.subTlvs.map((t) => t.type) },
      { client: 7, verify: 0, version: 'TLSv1.3', cn: 'client1', keyAlg: 'RSA2048', sigAlg: 'RSA-SHA256', cipher: 'TLS_AES_256_GCM_SHA384', subTlvs: [0x21, 0x22, 0x25, 0x24, 0x23], malformed: false },
    );
    assert.deepEqual(hd.tlvs.map((t) => [t.type, t.offset]), [[1, 28], [0x20, 33], [0x30, 33 + 3 + ssl.length], [3, 33 + 3 + ssl.length + 7]]);
    // the values are views of the input, not copies
    assert.equal(hd.tlvs[0]?.value.buffer, h.buffer);
  });

  it('LOCAL keeps the real addresses and skips TLVs; AF_UNIX paths are decoded', () => {
    const body = Buffer.alloc(216 + 7);
    body.write('/run/a.sock', 0, 'latin1');
    body.write('\0abstract', 108, 'latin1');
    body.set([3, 0, 4, 1, 2, 3, 4], 216); // a wrong CRC: not checked for LOCAL
    const r = parseProxyHeader(v2(0x20, 0x31, body));
    if (r.status !== 'ok') assert.fail(JSON.stringify(r));
    assert.equal(r.header.command, 'local');
    assert.equal(r.header.family, 'unix');
    assert.equal(r.header.overridesAddresses, false);
    assert.deepEqual(r.header.source, { family: 'unix', path: '/run/a.sock', abstract: false });
    assert.deepEqual(r.header.destination, { family: 'unix', path: 'abstract', abstract: true });
    assert.deepEqual(r.header.tlvs, []);
  });

  it('never throws on any single byte after a signature', () => {
    for (let i = 0; i < 256; i++) {
      parseProxyHeader(v2(i, i, [i, i, i]));
      parseProxyHeader(Buffer.from([0x50, 0x52, 0x4f, 0x58, 0x59, 0x20, i, i, i, i, i, 0x0d, 0x0a]));
    }
  });
});

describe('builders', () => {
  it('buildProxyV1: TCP4, TCP6 with mapped IPv4, UNKNOWN', () => {
    assert.equal(buildProxyV1({ source: ep('10.0.0.1', 1234), destination: ep('10.0.0.2', 80) }).toString(), 'PROXY TCP4 10.0.0.1 10.0.0.2 1234 80\r\n');
    assert.equal(buildProxyV1({ source: ep('10.0.0.1', 1), destination: ep('2001:db8::2', 2) }).toString(), 'PROXY TCP6 ::ffff:10.0.0.1 2001:db8::2 1 2\r\n');
    assert.equal(buildProxyV1({ source: { address: '::ffff:127.0.0.1', port: 5 }, destination: { address: '::1', port: 6 } }).toString(), 'PROXY TCP6 ::ffff:127.0.0.1 ::1 5 6\r\n');
    assert.equal(buildProxyV1({ source: undefined, destination: ep('10.0.0.2', 80) }).toString(), 'PROXY UNKNOWN\r\n');
    assert.equal(buildProxyV1({ source: { address: 'not an ip', port: 1 }, destination: ep('10.0.0.2', 80) }).toString(), 'PROXY UNKNOWN\r\n');
  });

  it('buildProxyV2 reproduces what haproxy 2.6.12 sent for send-proxy-v2 with every option', () => {
    // Captured from haproxy 2.6.12: TLS 1.3 client with a client certificate
    // (CN client1), SNI www.example.com, ALPN http/1.1; unique-id-format "uid-%ci";
    // proxy-v2-options authority,crc32c,unique-id,ssl,cert-cn,ssl-cipher,cert-sig,cert-key.
    const captured = Buffer.from(
      '0d0a0d0a000d0a515549540a2111008c7f0000017f000001bc0a480e0300042f4cb80d010008687474702f312e3102000f7777772e6578616d706c652e636f6d05000d7569642d3132372e302e302e312000490700000000210007544c5376312e33220007636c69656e74312500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834',
      'hex',
    );
    const built = buildProxyV2(
      { source: ep('127.0.0.1', 0xbc0a), destination: ep('127.0.0.1', 0x480e) },
      {
        alpn: 'http/1.1',
        authority: 'www.example.com',
        uniqueId: 'uid-127.0.0.1',
        ssl: { version: 'TLSv1.3', certUsedSess: true, certUsedConn: true, verify: 0, cn: 'client1', keyAlg: 'RSA2048', sigAlg: 'RSA-SHA256', cipher: 'TLS_AES_256_GCM_SHA384' },
      },
      proxyV2OptionsFrom(['authority', 'crc32c', 'unique-id', 'ssl', 'cert-cn', 'ssl-cipher', 'cert-sig', 'cert-key']),
    );
    assert.equal(built.toString('hex'), captured.toString('hex'));
  });

  it('buildProxyV2: plain client with ssl option, health-check LOCAL, TCP6', () => {
    // haproxy 2.6.12, plain TCP client, options crc32c,unique-id,ssl without unique-id-format
    const plain = buildProxyV2({ source: ep('127.0.0.1', 0x9a1a), destination: ep('127.0.0.1', 0x480d) }, {}, proxyV2OptionsFrom(['authority', 'crc32c', 'unique-id', 'ssl']));
    assert.equal(plain.toString('hex'), '0d0a0d0a000d0a515549540a2111001e7f0000017f0000019a1a480d030004651d6596' + '050000' + '2000050000000000');
    // a health check with send-proxy-v2 and crc32c,ssl: LOCAL, no UNIQUE_ID
    const check = buildProxyV2({ local: true }, {}, proxyV2OptionsFrom(['crc32c', 'unique-id', 'ssl']));
    assert.equal(check.toString('hex'), '0d0a0d0a000d0a515549540a2000000f030004889da1df2000050000000000');
    const six = buildProxyV2({ source: ep('10.0.0.1', 1), destination: ep('2001:db8::2', 2) });
    const r = parseProxyHeader(six);
    assert.equal(r.status === 'ok' && show(r.header.source), '::ffff:10.0.0.1:1');
    assert.equal(r.status === 'ok' && r.length, 52);
  });

  it('proxyV2OptionsFrom: every SSL sub-option implies ssl', () => {
    assert.deepEqual(proxyV2OptionsFrom(['ssl-cipher']), { ssl: true, sslCipher: true });
    assert.deepEqual(proxyV2OptionsFrom([], 'send-proxy-v2-ssl-cn'), { ssl: true, certCn: true });
    assert.deepEqual(proxyV2OptionsFrom(['crc32c', 'bogus']), { crc32c: true });
  });
});

// ---------------------------------------------------------------------------
// Live interoperability with haproxy 2.6
// ---------------------------------------------------------------------------

interface Recorder {
  port: number;
  /** Resolves with the bytes of the next connection once `done(bytes so far)` holds. */
  next(done: (b: Buffer) => boolean): Promise<Buffer>;
  close(): void;
}

function recorder(): Promise<Recorder> {
  const waiting: Array<{ done: (b: Buffer) => boolean; resolve: (b: Buffer) => void }> = [];
  const server = net.createServer((s) => {
    const chunks: Buffer[] = [];
    const w = waiting.shift();
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (w !== undefined && w.done(all)) {
        w.resolve(all);
        s.destroy();
      }
    });
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a !== null ? a.port : 0,
        next: (done) => new Promise((res) => waiting.push({ done, resolve: res })),
        close: () => server.close(),
      });
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms).unref())]);
}

describe('interop: haproxy 2.6 sends, we decode', { skip: !haproxyAvailable() }, () => {
  let proxy: RunningProxy | undefined;
  let origin: Recorder | undefined;
  before(async () => {
    origin = await recorder();
    const vars = { ...(await certVars()), ORIGIN: `127.0.0.1:${origin.port}` };
    proxy = await startProxy(
      'haproxy',
      [
        'defaults',
        '  mode tcp',
        '  timeout client 2s',
        '  timeout server 2s',
        '  timeout connect 1s',
        'frontend v2',
        '  bind ${ADDR:v2}',
        '  unique-id-format "uid-%ci-%cp"',
        '  default_backend v2',
        'frontend v2tls',
        '  bind ${ADDR:v2tls} ssl crt ${CERT_PEM} ca-file ${CA_CRT} verify optional alpn h2,http/1.1',
        '  default_backend v2tls',
        'frontend v1',
        '  bind ${ADDR:v1}',
        '  default_backend v1',
        'backend v2',
        '  server s ${ORIGIN} send-proxy-v2 proxy-v2-options authority,crc32c,unique-id,ssl',
        'backend v2tls',
        '  server s ${ORIGIN} send-proxy-v2-ssl-cn proxy-v2-options authority,crc32c,ssl-cipher,cert-sig,cert-key',
        'backend v1',
        '  server s ${ORIGIN} send-proxy',
        '',
      ].join('\n'),
      { vars },
    );
  });
  after(async () => {
    await proxy?.stop();
    origin?.close();
  });

  it('send-proxy-v2 with authority,crc32c,unique-id,ssl from a plain client', async () => {
    const p = proxy as RunningProxy;
    const o = origin as Recorder;
    const got = o.next((b) => b.toString('latin1').endsWith('hello'));
    const c = net.connect(p.ports['v2'] ?? 0, '127.0.0.1', () => c.write('hello'));
    c.on('error', () => undefined);
    const bytes = await withTimeout(got, 3000, 'v2 header');
    const local = { address: c.localAddress ?? '', port: c.localPort ?? 0 };
    c.destroy();
    const r = parseProxyHeader(bytes);
    if (r.status !== 'ok') assert.fail(JSON.stringify(r));
    assert.equal(show(r.header.source), `${local.address}:${local.port}`);
    assert.equal(show(r.header.destination), `127.0.0.1:${p.ports['v2']}`);
    assert.equal(r.header.uniqueId, `uid-${local.address}-${local.port}`);
    assert.equal(r.header.authority, undefined); // no SNI on a plain connection
    assert.deepEqual({ client: r.header.ssl?.client, verify: r.header.ssl?.verify }, { client: 0, verify: 0 });
    assert.ok(r.header.crc32c !== undefined);
    assert.equal(bytes.subarray(r.length).toString(), 'hello');
    const rebuilt = buildProxyV2(
      { source: { address: local.address, port: local.port }, destination: { address: '127.0.0.1', port: p.ports['v2'] ?? 0 } },
      { uniqueId: `uid-${local.address}-${local.port}` },
      proxyV2OptionsFrom(['authority', 'crc32c', 'unique-id', 'ssl']),
    );
    assert.equal(rebuilt.toString('hex'), bytes.subarray(0, r.length).toString('hex'));
  });

  it('send-proxy-v2-ssl-cn with ssl-cipher,cert-sig,cert-key from a TLS client with a certificate', async () => {
    const p = proxy as RunningProxy;
    const o = origin as Recorder;
    const certs = await getCerts();
    const got = o.next((b) => parseProxyHeader(b).status !== 'need-more');
    const c = tls.connect({
      host: '127.0.0.1',
      port: p.ports['v2tls'] ?? 0,
      servername: 'www.example.org',
      ALPNProtocols: ['http/1.1'],
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      rejectUnauthorized: false,
    });
    c.on('secureConnect', () => c.write('hi'));
    c.on('error', () => undefined);
    const first = await withTimeout(got, 5000, 'v2 ssl header');
    const declared = 16 + first.readUInt16BE(14);
    const local = { address: c.localAddress ?? '', port: c.localPort ?? 0 };
    const cipher = c.getCipher().standardName;
    const version = c.getProtocol() ?? '';
    c.destroy();
    const r = parseProxyHeader(first.subarray(0, declared));
    if (r.status !== 'ok') assert.fail(`${JSON.stringify(r)} (${first.length} bytes)`);
    const ssl = r.header.ssl;
    assert.equal(r.header.alpn?.toString(), 'http/1.1');
    assert.equal(r.header.authority, 'www.example.org');
    assert.equal(ssl?.client, 0x07); // SSL | CERT_CONN | CERT_SESS
    assert.equal(ssl?.verify, 0);
    assert.equal(ssl?.version, version);
    assert.equal(ssl?.cn, 'client1');
    assert.equal(ssl?.cipher, cipher);
    assert.equal(ssl?.keyAlg, 'RSA2048');
    assert.equal(ssl?.sigAlg, 'RSA-SHA256');
    const rebuilt = buildProxyV2(
      { source: local, destination: { address: '127.0.0.1', port: p.ports['v2tls'] ?? 0 } },
      { alpn: 'http/1.1', authority: 'www.example.org', ssl: { version, certUsedSess: true, certUsedConn: true, verify: 0, cn: 'client1', cipher, sigAlg: 'RSA-SHA256', keyAlg: 'RSA2048' } },
      proxyV2OptionsFrom(['authority', 'crc32c', 'ssl-cipher', 'cert-sig', 'cert-key'], 'send-proxy-v2-ssl-cn'),
    );
    assert.equal(rebuilt.toString('hex'), first.subarray(0, declared).toString('hex'));
  });

  it('send-proxy (v1)', async () => {
    const p = proxy as RunningProxy;
    const o = origin as Recorder;
    const got = o.next((b) => b.toString('latin1').endsWith('hello'));
    const c = net.connect(p.ports['v1'] ?? 0, '127.0.0.1', () => c.write('hello'));
    c.on('error', () => undefined);
    let bytes = await withTimeout(got, 3000, 'v1 line');
    const local = { address: c.localAddress ?? '', port: c.localPort ?? 0 };
    c.destroy();
    const expected = buildProxyV1({ source: local, destination: { address: '127.0.0.1', port: p.ports['v1'] ?? 0 } });
    bytes = bytes.subarray(0, expected.length);
    assert.equal(bytes.toString(), expected.toString());
    const r = parseProxyHeader(bytes);
    assert.equal(r.status === 'ok' && show(r.header.source), `${local.address}:${local.port}`);
  });
});

describe('interop: haproxy 2.6 receives (accept-proxy) and agrees with every verdict', { skip: !haproxyAvailable() }, () => {
  let proxy: RunningProxy | undefined;
  before(async () => {
    proxy = await startProxy(
      'haproxy',
      [
        'global',
        '  log stdout format raw local0',
        'defaults',
        '  mode http',
        '  log global',
        '  timeout client 2s',
        '  timeout server 2s',
        '  timeout connect 1s',
        'frontend fe',
        '  bind ${ADDR:pp} accept-proxy',
        '  http-request return status 200 content-type text/plain lf-string "R %[src]|%[src_port]|%[dst]|%[dst_port]|%[fc_pp_authority]|%[fc_pp_unique_id]|\\n"',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await proxy?.stop();
  });

  function exchange(port: number, bytes: Buffer): Promise<{ body: string; local: { address: string; port: number } }> {
    return new Promise((resolve) => {
      let out = '';
      let local = { address: '', port: 0 };
      const s = net.connect(port, '127.0.0.1', () => {
        local = { address: s.localAddress ?? '', port: s.localPort ?? 0 };
        s.write(bytes);
      });
      s.setEncoding('latin1');
      s.on('data', (d: string) => (out += d));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ body: /^R .*$/m.exec(out)?.[0] ?? '', local }));
      s.setTimeout(2000, () => s.destroy());
    });
  }

  it('sends every verdict row and built headers; haproxy answers as we parse', async () => {
    const p = proxy as RunningProxy;
    const port = p.ports['pp'] ?? 0;
    const built: Array<[string, Buffer]> = [
      ['buildProxyV1 TCP4', buildProxyV1({ source: ep('192.0.2.1', 4000), destination: ep('198.51.100.2', 443) })],
      ['buildProxyV1 TCP6', buildProxyV1({ source: ep('2001:db8::5', 4000), destination: ep('192.0.2.9', 443) })],
      ['buildProxyV1 UNKNOWN', buildProxyV1({})],
      [
        'buildProxyV2 everything',
        buildProxyV2(
          { source: ep('192.0.2.1', 4000), destination: ep('198.51.100.2', 443) },
          { alpn: 'h2', authority: 'api.example', uniqueId: 'id-42', ssl: { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }, netns: 'ns1' },
          proxyV2OptionsFrom(['crc32c', 'authority', 'unique-id', 'ssl-cipher']),
        ),
      ],
      ['buildProxyV2 TCP6', buildProxyV2({ source: ep('2001:db8::5', 4000), destination: ep('2001:db8::6', 443) }, {}, { crc32c: true })],
      ['buildProxyV2 LOCAL', buildProxyV2({ local: true }, {}, { crc32c: true, ssl: true })],
    ];
    const all: Array<[string, Buffer]> = [...ROWS.map(([n, b]): [string, Buffer] => [n, b]), ...built];
    const before = p.stdout().length;
    let rejected = 0;
    const GET = Buffer.from('GET / HTTP/1.0\r\n\r\n');
    for (const [name, bytes] of all) {
      const sent = Buffer.concat([bytes, GET]);
      const { body, local } = await exchange(port, sent);
      const r = parseProxyHeader(sent);
      if (r.status === 'ok') {
        const h = r.header;
        const [src, dst] = h.overridesAddresses ? [h.source, h.destination] : [ep(local.address, local.port), ep('127.0.0.1', port)];
        // haproxy's src_port / dst_port fetches fail (print nothing) for port 0
        const addr = (e: ProxyEndpoint | undefined): string => (e === undefined || e.family === 'unix' ? '|' : `${e.address}|${e.port === 0 ? '' : e.port}`);
        assert.equal(body, `R ${addr(src)}|${addr(dst)}|${h.authority ?? ''}|${h.uniqueId ?? ''}|`, name);
      } else {
        assert.equal(body, '', `${name}: haproxy accepted what we reject (${r.status})`);
        if (r.status === 'invalid') {
          rejected++;
          // haproxy logs "<addr>:<port> [date] fe/1: <reason>" for a failed handshake
          const deadline = Date.now() + 1000;
          const pattern = `fe/1: ${r.reason}`;
          while (Date.now() < deadline && p.stdout().slice(before).split(pattern).length - 1 < 1) await new Promise((res) => setTimeout(res, 10));
          assert.ok(p.stdout().slice(before).includes(pattern), `${name}: haproxy did not log "${r.reason}"`);
        }
      }
    }
    // every rejection was logged with our reason, in order
    const logged = p
      .stdout()
      .slice(before)
      .split('\n')
      .filter((l) => l.includes('fe/1: '))
      .map((l) => l.slice(l.indexOf('fe/1: ') + 6));
    const ours = all.map(([, b]) => parseProxyHeader(Buffer.concat([b, GET]))).flatMap((r) => (r.status === 'invalid' ? [r.reason] : []));
    assert.equal(rejected, ours.length);
    assert.deepEqual(logged, ours);
  });
});
