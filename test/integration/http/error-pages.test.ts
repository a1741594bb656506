/**
 * Custom error pages and tarpit through Switchyard alone (docs/error-pages.md):
 * each keyword, inheritance from defaults, backend over frontend, /dev/null,
 * the legacy reqdeny/reqtarpit, and the tarpit delays (which a differential
 * comparison of bytes cannot see). test/compat/http/error-pages.test.ts
 * compares the same behaviours with haproxy 2.6.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { switchyardWithOrigin } from '../../helpers/http-fixtures.js';
import { checkConfig } from '../../helpers/processes.js';

const FILES: Record<string, string> = {
  '503.http': 'HTTP/1.1 503 Custom\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbusy',
  '403.http': 'HTTP/1.1 403 Mine\r\nContent-Length: 2\r\n\r\nno',
  '403s.http': 'HTTP/1.1 403 Section\r\nContent-Length: 3\r\n\r\nsec',
  '500.http': 'HTTP/1.1 500 Slow\r\nContent-Length: 2\r\n\r\ntp',
  '502.http': 'HTTP/1.1 502 Backend\r\nContent-Length: 2\r\n\r\nbe',
};

const CONFIG = `
defaults
  mode http
  timeout connect 400ms
  timeout client 3s
  timeout server 2s
  errorfile 503 \${DIR}/503.http
http-errors site
  errorfile 403 \${DIR}/403s.http
frontend inherit
  bind \${ADDR:inherit}
  default_backend nosrv
frontend sections
  bind \${ADDR:sections}
  errorfiles site
  http-request deny if { path /deny }
  use_backend be if { path_beg /be }
  default_backend web
frontend loc
  bind \${ADDR:loc}
  default_backend locbe
frontend httperr
  bind \${ADDR:httperr}
  http-error status 403 content-type text/plain lf-string "denied %[path]" hdr x-why rule
  http-request deny
frontend devnull
  bind \${ADDR:devnull}
  errorfile 403 /dev/null
  http-request deny
frontend tarpit
  bind \${ADDR:tarpit}
  timeout tarpit 300ms
  errorfile 500 \${DIR}/500.http
  http-request tarpit if { path /t }
  default_backend tarpitbe
frontend tarpit0
  bind \${ADDR:tarpit0}
  http-request tarpit
frontend legacy
  bind \${ADDR:legacy}
  timeout tarpit 250ms
  errorfile 403 \${DIR}/403.http
  reqdeny ^GET\\ /deny
  reqtarpit ^GET\\ /tarpit
  default_backend web
backend web
  server s1 \${ORIGIN}
backend nosrv
backend locbe
  errorloc302 503 /sorry
backend be
  errorfile 403 \${DIR}/403.http
  http-request deny
  server s1 \${ORIGIN}
backend tarpitbe
  http-request tarpit
  server s1 \${ORIGIN}
`;

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

describe('error pages and tarpit (Switchyard)', () => {
  let dir = '';
  // Registered first: the files exist before the proxy starts (hooks run in order).
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-errpages-'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text, 'latin1');
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const fx = switchyardWithOrigin(CONFIG, () => ({ DIR: dir }));

  /** One request; the answer as text and the time to its end. */
  async function ask(listener: string, send: string): Promise<{ text: string; ms: number; ended: string }> {
    const t0 = performance.now();
    const r = await rawExchange(fx.proxy.ports[listener]!, send, { idleMs: 1500 });
    return { text: r.data.toString('latin1'), ms: performance.now() - t0, ended: r.ended };
  }

  it('errorfile is inherited from defaults', async () => {
    const r = await ask('inherit', GET('/'));
    assert.match(r.text, /^HTTP\/1\.1 503 Custom\r\ncontent-type: text\/plain\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy$/);
  });
  it('errorfiles imports a http-errors section; the backend page wins once it is chosen', async () => {
    assert.match((await ask('sections', GET('/deny'))).text, /^HTTP\/1\.1 403 Section\r\n[^]*\r\n\r\nsec$/);
    assert.match((await ask('sections', GET('/be/x'))).text, /^HTTP\/1\.1 403 Mine\r\n[^]*\r\n\r\nno$/);
  });
  it('errorloc302 in a backend answers a redirection', async () => {
    const r = await ask('loc', GET('/'));
    assert.match(r.text, /^HTTP\/1\.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: \/sorry\r\n/);
  });
  it('http-error with a log-format payload and hdr', async () => {
    const r = await ask('httperr', GET('/p'));
    assert.equal(r.text, 'HTTP/1.1 403 Forbidden\r\nx-why: rule\r\ncontent-length: 9\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\ndenied /p');
  });
  it('errorfile /dev/null closes without answering', async () => {
    const r = await ask('devnull', GET('/'));
    assert.equal(r.text, '');
    assert.equal(r.ended, 'close');
  });
  it('tarpit holds the request for timeout tarpit, then sends the 500 page', async () => {
    const r = await ask('tarpit', GET('/t'));
    assert.ok(r.ms >= 290, `answered after ${r.ms} ms`);
    assert.match(r.text, /^HTTP\/1\.1 500 Slow\r\n[^]*\r\n\r\ntp$/);
  });
  it('tarpit in a backend waits its timeout connect (page: the frontend\'s, the backend has none)', async () => {
    const r = await ask('tarpit', GET('/b'));
    assert.ok(r.ms >= 390, `answered after ${r.ms} ms`);
    assert.match(r.text, /^HTTP\/1\.1 500 Slow\r\n/);
  });
  it('tarpit in a frontend without timeout tarpit answers at once', async () => {
    const r = await ask('tarpit0', GET('/'));
    assert.ok(r.ms < 250, `answered after ${r.ms} ms`);
    assert.match(r.text, /^HTTP\/1\.1 500 /);
  });
  it('tarpit: a client that leaves meanwhile is dropped without harm', async () => {
    await rawExchange(fx.proxy.ports['tarpit']!, GET('/t'), { idleMs: 20, timeoutMs: 50 });
    await new Promise((r) => setTimeout(r, 350));
    assert.match((await ask('tarpit', GET('/t'))).text, /^HTTP\/1\.1 500 Slow/);
  });
  it('legacy reqdeny uses the errorfile, reqtarpit waits timeout tarpit', async () => {
    assert.match((await ask('legacy', GET('/deny'))).text, /^HTTP\/1\.1 403 Mine\r\n/);
    const r = await ask('legacy', GET('/tarpit'));
    assert.ok(r.ms >= 240, `answered after ${r.ms} ms`);
    assert.match(r.text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  });
  it('no "not enforced" warning for errorfile, errorfiles, errorloc, http-error, http-errors, tarpit', () => {
    const lines = fx.proxy.output().split('\n').filter((l) => /not enforced/.test(l) && /error|tarpit/.test(l));
    assert.deepEqual(lines, []);
  });
  it('-c: default-errorfiles with a status haproxy has no page for is refused as haproxy does', async () => {
    const cfg = 'defaults\n  mode http\nfrontend f\n  bind 127.0.0.1:0\n  http-request deny status 418 default-errorfiles\n';
    const r = await checkConfig('switchyard', cfg);
    assert.equal(r.code, 1);
    assert.match(r.stderr + r.stdout, /status code '418' not handled by default with 'default-errorfiles' argument\.\./);
  });
});
