/**
 * The byte-level helpers of cookie persistence (src/http/cookie-values.ts)
 * and the dynamic cookie value (src/http/cookie-persistence.ts), against
 * values taken from haproxy 2.6.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64tos30, cookieValueEnd, delHeaderValue, s30tob64, scanCookie, stripAroundEqual } from '../../../src/http/cookie-values.js';
import { dynamicCookie } from '../../../src/http/cookie-persistence.js';

describe('cookie date stamps (tools.c s30tob64 / b64tos30)', () => {
  it('encodes 30 bits most significant first', () => {
    assert.equal(s30tob64(0), 'AAAAA');
    assert.equal(s30tob64(1), 'AAAAB');
    assert.equal(s30tob64(0x3fffffff), '/////');
    // only the lower 30 bits count
    assert.equal(s30tob64(0x40000001), 'AAAAB');
  });
  it('round-trips and refuses characters outside the alphabet', () => {
    for (const v of [0, 1, 63, 64, 444444444, 0x3fffffff]) assert.equal(b64tos30(s30tob64(v), 0), v);
    assert.equal(b64tos30('x|AAA=A', 2), -1);
    assert.equal(b64tos30('AA AA', 0), -1);
  });
});

describe('cookie scanning (http_ana.c)', () => {
  it('ends a value at ; or , outside quotes', () => {
    assert.equal(cookieValueEnd('abc;d', 0, 5), 3);
    assert.equal(cookieValueEnd('a,b', 0, 3), 1);
    assert.equal(cookieValueEnd('"a;b\\";c";d', 0, 11), 9);
  });
  it('finds name and value with blanks around the equal sign', () => {
    const h = 'x=1 ;  SRVID = b ;y';
    const c = scanCookie(h, h.indexOf(';'), false, true);
    assert.equal(h.slice(c.attBeg, c.attEnd), 'SRVID');
    assert.equal(h.slice(c.valBeg, c.valEnd), 'b');
    const stripped = stripAroundEqual(h, c);
    assert.equal(stripped, 'x=1 ;  SRVID=b ;y');
    assert.equal(stripped.slice(c.valBeg, c.valEnd), 'b');
    assert.equal(stripped[c.next], ';');
  });
  it('stops a request cookie name at a comma', () => {
    const c = scanCookie('a,SRVID=b', 0, true, true);
    assert.equal(c.equal, 1);
    assert.equal(c.next, 1);
  });
});

describe('http_del_hdr_value()', () => {
  it('removes the first cookie with its delimiter and blanks', () => {
    const d = delHeaderValue('SRVID=a;  y=2', 0, 7);
    assert.equal(d.value, 'y=2');
  });
  it('removes a middle cookie, keeping one space after the delimiter', () => {
    // from = the ';' before SRVID, next = the ';' after it
    const h = 'x=1; SRVID=b; y=2';
    const d = delHeaderValue(h, 3, 12);
    assert.equal(d.value, 'x=1; y=2');
    assert.equal(d.delta, d.value.length - h.length);
  });
  it('removes the last cookie', () => {
    const d = delHeaderValue('x=1 ; SRVID=b', 4, 13);
    assert.equal(d.value, 'x=1');
  });
});

describe('dynamic cookies (server.c srv_set_dyncookie)', () => {
  it('is the XXH64 of key, address and port as haproxy 2.6 prints it', () => {
    // Values printed by haproxy 2.6.12 for `dynamic-cookie-key mysecret`.
    assert.equal(dynamicCookie('mysecret', 'ipv4', '127.0.0.1', 19001), '4e72904fb66e8b79');
    assert.equal(dynamicCookie('mysecret', 'ipv4', '127.0.0.1', 19002), 'd820822eb837d84f');
  });
  it('takes IPv6 addresses as 16 bytes and skips other families', () => {
    const a = dynamicCookie('k', 'ipv6', '::1', 80);
    assert.match(a ?? '', /^[0-9a-f]{16}$/);
    assert.equal(dynamicCookie('k', 'ipv6', '0:0:0:0:0:0:0:1', 80), a);
    assert.equal(dynamicCookie('k', 'unix', '/tmp/s', 0), undefined);
  });
});
