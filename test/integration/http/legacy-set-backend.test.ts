/**
 * `reqsetbe` / `reqisetbe` (1.5 semantics, docs/legacy-directives.md,
 * src/http/legacy-set-backend.ts). haproxy 2.6 refuses these lines, so
 * Switchyard runs alone here: each request must reach the origin of the
 * backend 1.5 would have chosen.
 *
 * - the request line and every header line `Name: value` are matched, the
 *   first matching filter switches, before `use_backend`;
 * - `reqisetbe` ignores case, `reqsetbe` does not;
 * - a backend's filter does not switch (1.5: `s->be != s->fe`);
 * - a listen section switches too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { httpOrigin, type HttpOrigin } from '../../helpers/origins.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  reqisetbe ^Host:\\ api\\. api
  reqsetbe ^GET\\ /static static
  use_backend other if { path /other }
  default_backend web
listen li
  bind \${ADDR:li}
  reqsetbe ^X-To:\\ static static
  server s1 \${WEB}
backend api
  server s1 \${API}
backend static
  server s1 \${STATIC}
backend other
  server s1 \${OTHER}
backend web
  reqsetbe ^X-To:\\ static static
  server s1 \${WEB}
`;

const req = (line: string, host = 'example.com', extra = ''): string => `${line} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

describe('reqsetbe / reqisetbe switch with 1.5 semantics', () => {
  const origins: Record<string, HttpOrigin> = {};
  let proxy: RunningProxy | undefined;
  before(async () => {
    for (const n of ['api', 'static', 'other', 'web']) origins[n] = await httpOrigin({ name: n });
    proxy = await startProxy('switchyard', CONFIG, {
      vars: { API: origins['api']!.addr, STATIC: origins['static']!.addr, OTHER: origins['other']!.addr, WEB: origins['web']!.addr },
    });
  });
  after(async () => {
    await proxy?.stop();
    for (const o of Object.values(origins)) await o.close();
  });

  async function reached(listener: string, bytes: string): Promise<string> {
    const r = await rawExchange(proxy!.ports[listener]!, bytes, { idleMs: 300 });
    const text = r.data.toString('latin1');
    return text.slice(text.indexOf('\r\n\r\n') + 4);
  }

  it('matches header lines, case-insensitively for reqisetbe', async () => {
    assert.equal(await reached('fe', req('GET /a', 'api.example.com')), 'api');
    assert.equal(await reached('fe', req('GET /a', 'API.example.com')), 'api');
  });

  it('matches the request line, case-sensitively for reqsetbe', async () => {
    assert.equal(await reached('fe', req('GET /static/x.png')), 'static');
    assert.equal(await reached('fe', req('POST /static/x.png')), 'web');
  });

  it('switches before use_backend, and the first matching filter wins', async () => {
    assert.equal(await reached('fe', req('GET /other', 'api.example.com')), 'api');
    assert.equal(await reached('fe', req('GET /other')), 'other');
    assert.equal(await reached('fe', req('GET /static', 'api.example.com')), 'api');
  });

  it('does not switch from a backend, does from a listen section', async () => {
    assert.equal(await reached('fe', req('GET /a', 'example.com', 'X-To: static\r\n')), 'web');
    assert.equal(await reached('li', req('GET /a', 'example.com', 'X-To: static\r\n')), 'static');
  });

  it('is enforced: no "not enforced" notice', () => {
    assert.doesNotMatch(proxy!.output(), /reqsetbe.*not enforced|reqisetbe.*not enforced/);
  });
});
