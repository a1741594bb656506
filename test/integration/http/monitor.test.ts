/**
 * monitor-uri and monitor fail in the running proxy, beyond the differential
 * test (test/compat/http/auth-monitor.test.ts): a condition on the servers
 * of a backend (the documented use), custom 200/503 pages through
 * `errorfile`, monitor-uri inherited from defaults, and that the keywords are
 * no longer reported as "not enforced".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-monitor-'));
const OK = join(dir, '200.http');
const KO = join(dir, '503.http');
writeFileSync(OK, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nup\n');
writeFileSync(KO, 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\ndown\n');

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
  monitor-uri /health
frontend dead
  bind \${ADDR:dead}
  monitor fail if { nbsrv(empty) lt 1 }
  default_backend empty
frontend custom
  bind \${ADDR:custom}
  errorfile 200 ${OK}
  errorfile 503 ${KO}
  monitor fail if { req.hdr(x-fail) -m found }
  default_backend empty
backend empty
`;

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;

describe('monitor-uri (Switchyard)', () => {
  let proxy: RunningProxy;
  before(async () => {
    proxy = await startProxy('switchyard', CONFIG);
  });
  after(async () => {
    await proxy.stop();
  });

  it('no longer reports monitor-uri and monitor fail as not enforced', () => {
    assert.doesNotMatch(proxy.output(), /'monitor-uri'|'monitor fail'/);
  });

  it('monitor fail on a backend without usable servers (inherited monitor-uri)', async () => {
    const r = await rawExchange(proxy.ports['dead']!, GET('/health'), { idleMs: 300 });
    assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  });

  it('errorfile 200 and 503 customise the answers', async () => {
    const ok = await rawExchange(proxy.ports['custom']!, GET('/health'), { idleMs: 300 });
    assert.match(ok.data.toString('latin1'), /^HTTP\/1\.[01] 200 OK\r\n[^]*\r\n\r\nup\n$/i);
    const ko = await rawExchange(proxy.ports['custom']!, GET('/health', 'x-fail: 1\r\n'), { idleMs: 300 });
    assert.match(ko.data.toString('latin1'), /^HTTP\/1\.[01] 503 Service Unavailable\r\n[^]*\r\n\r\ndown\n$/i);
  });

  it('other URIs go through', async () => {
    const r = await rawExchange(proxy.ports['custom']!, GET('/health/'), { idleMs: 300 });
    assert.match(r.data.toString('latin1'), /^HTTP\/1\.[01] 503 /);
    assert.match(r.data.toString('latin1'), /down\n$/);
  });
});
