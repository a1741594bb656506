/**
 * Proves the differential harness by comparing haproxy with itself on a
 * trivial `mode tcp` and `mode http` configuration. Set
 * DIFFERENTIAL_AGAINST=switchyard to run the very same cases against
 * Switchyard.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSameBehaviour, comparable, differential, type DifferentialResult, type SideResult } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { ProxyKind } from '../../helpers/processes.js';

const against: ProxyKind = process.env['DIFFERENTIAL_AGAINST'] === 'switchyard' ? 'switchyard' : 'haproxy';
const skip = haproxyAvailable() ? false : 'haproxy is not installed';

const DEFAULTS = 'defaults\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n';

describe(`differential: haproxy vs ${against}`, { skip }, () => {
  it('mode tcp: a client through a tcp proxy to an echo origin', async () => {
    const r = await differential({
      against,
      config: `${DEFAULTS}listen l\n  mode tcp\n  bind \${ADDR:fe}\n  server echo \${ORIGIN:echo}\n`,
      origins: { echo: { kind: 'tcp' } },
      exchanges: [
        { listener: 'fe', send: ['hello ', 'world\n'], pauseMs: 20, halfClose: true },
        { listener: 'fe', send: Buffer.from([0, 1, 2, 255]), halfClose: true },
      ],
    });
    assertSameBehaviour(r);
    assert.equal(r.reference.exchanges[0]?.response.toString(), 'hello world\n');
    assert.equal(r.reference.exchanges[0]?.ended, 'close');
    assert.deepEqual(r.reference.origins['echo']?.map(String), ['hello world\n', Buffer.from([0, 1, 2, 255]).toString()]);
  });

  it('mode http: keep-alive, pipelining and Host-based switching', async () => {
    const r = await differential({
      against,
      config:
        `${DEFAULTS}frontend fe\n  mode http\n  bind \${ADDR:fe}\n  use_backend b2 if { req.hdr(host) -i two }\n  default_backend b1\n` +
        `backend b1\n  mode http\n  server s1 \${ORIGIN:one}\nbackend b2\n  mode http\n  server s2 \${ORIGIN:two}\n`,
      origins: { one: { kind: 'http' }, two: { kind: 'http', respond: () => ({ body: 'two', headers: { Date: new Date().toUTCString() } }) } },
      exchanges: [
        { listener: 'fe', send: 'GET / HTTP/1.1\r\nHost: one\r\nConnection: close\r\n\r\n' },
        { listener: 'fe', send: 'GET /a HTTP/1.1\r\nHost: two\r\n\r\nGET /b HTTP/1.1\r\nHost: two\r\nConnection: close\r\n\r\n' },
        { listener: 'fe', send: 'BROKEN\r\n\r\n' },
      ],
    });
    assertSameBehaviour(r);
    const ref = r.reference;
    assert.match(ref.exchanges[0]?.response.toString() ?? '', /^HTTP\/1.1 200 OK\r\n[\s\S]*\r\n\r\none$/);
    assert.equal((ref.exchanges[1]?.response.toString().match(/HTTP\/1.1 200/g) ?? []).length, 2);
    assert.match(ref.exchanges[2]?.response.toString() ?? '', /^HTTP\/1.1 400 Bad request/);
    assert.equal(ref.origins['one']?.length, 1);
    assert.match(ref.origins['two']?.[0]?.toString() ?? '', /^GET \/a HTTP\/1.1\r\nhost: two\r\n/);
  });
});

function side(kind: ProxyKind, port: number, response: string, origin: string): SideResult {
  return {
    kind,
    ports: { fe: port },
    exchanges: [{ name: '#0 fe', response: Buffer.from(response), ended: 'close' }],
    origins: { o: [Buffer.from(origin)] },
    output: `${kind} said something`,
  };
}

describe('assertSameBehaviour', () => {
  it('masks dates, Server values, listener ports and user patterns', () => {
    const r: DifferentialResult = {
      reference: side('haproxy', 1111, 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: a\r\nX-Id: 42\r\n\r\nport 1111', 'GET / HTTP/1.1\r\nhost: x:1111\r\n\r\n'),
      against: side('switchyard', 2222, 'HTTP/1.1 200 OK\r\nDate: Tue, 02 Jan 2024 10:11:12 GMT\r\nServer: b\r\nX-Id: 77\r\n\r\nport 2222', 'GET / HTTP/1.1\r\nhost: x:2222\r\n\r\n'),
      masks: { regexes: [/X-Id: \d+/] },
    };
    assertSameBehaviour(r);
    assert.deepEqual(comparable(r.reference, r.masks), {
      clients: [{ exchange: '#0 fe', received: ['HTTP/1.1 200 OK\\r', 'Date: <MASKED>\\r', 'Server: <MASKED>\\r', '<MASKED>\\r', '\\r', 'port <PORT:fe>'], ended: 'close' }],
      origins: { o: [['GET / HTTP/1.1\\r', 'host: x:<PORT:fe>\\r', '\\r', '']] },
    });
  });

  it('fails with a readable diff naming both sides', () => {
    const r: DifferentialResult = {
      reference: side('haproxy', 41111, 'HTTP/1.1 200 OK\r\n\r\n', 'GET / HTTP/1.1\r\nx-forwarded-for: 127.0.0.1\r\n\r\n'),
      against: side('switchyard', 42222, 'HTTP/1.1 200 OK\r\n\r\n', 'GET / HTTP/1.1\r\n\r\n'),
      masks: {},
    };
    assert.throws(
      () => assertSameBehaviour(r),
      (e: Error) =>
        /switchyard \(\+\) behaves differently from haproxy \(-\)/.test(e.message) &&
        /x-forwarded-for: 127\.0\.0\.1/.test(e.message) &&
        /--- switchyard output ---\nswitchyard said something/.test(e.message),
    );
    assertSameBehaviour(r, { ignoreOrigins: ['o'] });
  });
});
