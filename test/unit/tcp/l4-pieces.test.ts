/**
 * The pure pieces of the layer-4 path: the inspection buffer's window and
 * overflow, RDP routing tokens (haproxy's byte order), log-format
 * evaluation for dynamic backend names, and PROXY header reception.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INSPECT_WINDOW, PayloadBuffer } from '../../../src/tcp/inspect.js';
import { decodeRdpCookie, encodeRdpCookie } from '../../../src/tcp/rdp-persist.js';
import { compileLogFormat } from '../../../src/sample/log-format-eval.js';
import { parseLogFormat } from '../../../src/sample/log-format.js';
import { BasicSampleContext } from '../../../src/sample/context.js';
import { embryonicLogLine, receiveProxyHeader } from '../../../src/net/proxy-header.js';

describe('PayloadBuffer', () => {
  it('keeps the first chunk without copying, then fills a bounded window and keeps the rest aside in order', () => {
    const p = new PayloadBuffer();
    const a = Buffer.alloc(10, 1);
    p.push(a);
    assert.equal(p.buf, a);
    p.push(Buffer.alloc(INSPECT_WINDOW, 2));
    assert.equal(p.len, INSPECT_WINDOW);
    assert.ok(p.full);
    p.push(Buffer.from('tail'));
    assert.equal(p.size, 10 + INSPECT_WINDOW + 4);
    const all = Buffer.concat(p.take());
    assert.equal(all.length, 10 + INSPECT_WINDOW + 4);
    assert.equal(all.subarray(-4).toString(), 'tail');
    assert.equal(p.len, 0);
  });

  it('consume() drops a header and keeps what follows', () => {
    const p = new PayloadBuffer();
    p.push(Buffer.from('HEADERpay'));
    p.push(Buffer.from('load'));
    p.consume(6);
    assert.equal(p.buf.subarray(0, p.len).toString(), 'payload');
  });
});

describe('RDP routing tokens', () => {
  it('decodes as haproxy: address bytes little-endian, port bytes swapped', () => {
    // 127.0.0.1 is 0x0100007f read little-endian; 3389 (0x0d3d) swapped is 0x3d0d.
    assert.deepEqual(decodeRdpCookie('16777343.15629.0000'), { address: '127.0.0.1', port: 3389 });
    assert.equal(encodeRdpCookie('127.0.0.1', 3389), '16777343.15629.0000');
    assert.equal(encodeRdpCookie('10.1.2.3', 13389), `${0x0302010a}.${0x4d34}.0000`);
  });

  it('refuses tokens without the two dots, accepts strtoul leniencies', () => {
    assert.equal(decodeRdpCookie('16777343'), undefined);
    assert.equal(decodeRdpCookie('16777343.15629'), undefined);
    assert.equal(decodeRdpCookie('user'), undefined);
    assert.deepEqual(decodeRdpCookie(' +16777343.15629.x'), { address: '127.0.0.1', port: 3389 });
  });
});

describe('log-format evaluation', () => {
  const fmt = (text: string, log = false): ReturnType<typeof compileLogFormat> => {
    const r = parseLogFormat(text, { place: { file: 't.cfg', line: 1 }, usage: 'use_backend', proxyMode: 'tcp', proxyCap: { frontend: true, backend: false } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return compileLogFormat(r.format, {}, { log });
  };

  it('prints samples as strings, nothing when absent ("-" in log lines), constants once', () => {
    const ctx = new BasicSampleContext({ final: true });
    const a = fmt('%[str(Example.COM:443),lower,word(1,:)]_tls');
    assert.ok(a.ok);
    assert.equal(a.fn(ctx), 'example.com_tls');
    // haproxy: `use_backend b_%[var(txn.x)]` with x unset picks `b_` (lf_text_len without LOG_OPT_MANDATORY).
    const b = fmt('%[req.ssl_sni]_tls');
    assert.ok(b.ok);
    assert.equal(b.fn(ctx), '_tls');
    const q = fmt('%{+Q}[req.ssl_sni]_tls');
    assert.ok(q.ok);
    assert.equal(q.fn(ctx), '""_tls');
    const l = fmt('%[req.ssl_sni]_tls', true);
    assert.ok(l.ok);
    assert.equal(l.fn(ctx), '-_tls');
    const c = fmt('static');
    assert.ok(c.ok && c.constant);
  });
});

describe('PROXY header reception', () => {
  it('a header incomplete in the first read is truncated, as haproxy decides', () => {
    const r = receiveProxyHeader(Buffer.from('PROXY TCP4 1.2.3'));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'Truncated PROXY protocol header received');
    const ok = receiveProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nrest'));
    assert.ok(ok.ok);
    assert.equal(ok.ok && ok.length, 32);
  });

  it('formats the embryonic log line as session_prepare_log_prefix()', () => {
    const line = embryonicLogLine({ address: '127.0.0.1', port: 4000 }, Date.UTC(2026, 10, 26, 15, 7, 33, 125), 'fe', { luid: 1 }, 'Truncated PROXY protocol header received');
    assert.match(line, /^127\.0\.0\.1:4000 \[26\/Nov\/2026:\d\d:07:33\.125\] fe\/1: Truncated PROXY protocol header received$/);
    assert.match(embryonicLogLine({ address: undefined, port: undefined }, 0, 'fe', { name: 'lis', luid: 2 }, 'x'), /^unix:2 \[.*\] fe\/lis: x$/);
  });
});
