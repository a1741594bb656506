/**
 * Captures in the running proxy, beyond the differential test
 * (test/compat/http/auth-monitor.test.ts): a backend rule writing a
 * frontend slot by id, ids beyond the declared slots, a sample longer than
 * its slot, slots that follow the frontend of the stream, and that the
 * capture keywords are no longer reported as "not enforced".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { switchyardWithOrigin } from '../../helpers/http-fixtures.js';

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  declare capture request len 4
  declare capture response len 3
  capture request header Host len 20
  http-request capture path len 6
  http-request capture str(nope) id 9
  default_backend be
frontend other
  bind \${ADDR:other}
  capture request header User-Agent len 5
  default_backend be
backend be
  http-request capture req.hdr(x-be) id 0
  http-response capture status id 0
  http-response set-header x-caps "%[capture.req.hdr(0)]|%[capture.req.hdr(1)]|%[capture.req.hdr(2)]|%[capture.req.hdr(9)]|%[capture.res.hdr(0)]"
  server s1 \${ORIGIN}
`;

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: example.org\r\n${extra}Connection: close\r\n\r\n`;

function caps(r: { data: Buffer }): string | undefined {
  return r.data.toString('latin1').match(/\r\nx-caps: ([^\r]*)\r\n/)?.[1];
}

describe('captures (Switchyard)', () => {
  const fx = switchyardWithOrigin(CONFIG);

  it('no longer reports the capture keywords as not enforced', () => {
    assert.doesNotMatch(fx.proxy.output(), /'capture'|'declare capture'|'http-request capture'|'http-response capture'/);
  });

  it('a backend rule fills the frontend slot by id, cut to the slot length; unknown ids do nothing', async () => {
    const r = await rawExchange(fx.proxy.ports['fe']!, GET('/a/long/path', 'x-be: 123456\r\n'), { idleMs: 300 });
    // slot 0: declared len 4 ← x-be; slot 1: Host; slot 2: path cut to 6; slot 9 does not exist; res slot 0: status cut to 3.
    assert.equal(caps(r), '1234|example.org|/a/lon||200');
  });

  it('slots follow the frontend of the stream', async () => {
    const r = await rawExchange(fx.proxy.ports['other']!, GET('/', 'User-Agent: curl/8\r\nx-be: zz\r\n'), { idleMs: 300 });
    // "other" has one request slot (User-Agent, len 5): the backend's id 0 overwrites it; no response slot.
    assert.equal(caps(r), 'zz||||');
  });
});
