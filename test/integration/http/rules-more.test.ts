/**
 * The HTTP rule actions of issue 6 in the running proxy, for what the
 * differential test (test/compat/http/rules-more.test.ts) cannot compare:
 * values only fetches show (set-priority-*), set-timeout from an expression, a 103 followed by a generated reply, and that the
 * actions made to work are no longer reported as "not enforced".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { switchyardWithOrigin } from '../../helpers/http-fixtures.js';
import { httpOrigin } from '../../helpers/origins.js';
import { startProxy } from '../../helpers/processes.js';

const CONFIG = `
global
  expose-experimental-directives
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
listen prio
  bind \${ADDR:prio}
  http-request set-priority-class int(5000)
  http-request set-priority-offset int(-7)
  http-request set-timeout server int(150) if { path /hang }
  http-request set-timeout tunnel 3s
  http-request set-log-level silent
  http-request strict-mode off
  http-request return status 200 content-type text/plain lf-string "%[prio_class] %[prio_offset]" unless { path /hang }
  server s1 \${ORIGIN}
frontend hint
  bind \${ADDR:hint}
  http-request early-hint link "</s.css>; rel=preload"
  http-request deny deny_status 403
frontend misc
  bind \${ADDR:misc}
  http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dotdot full
  http-request set-pathq %[path]?n=1 if { path_beg /pq }
  http-request set-var-fmt(txn.x) "%[path]"
  http-request unset-var(txn.x) if { path /unset }
  http-request set-header x-x "%[var(txn.x)]"
  http-after-response set-header x-after yes
  default_backend web
backend web
  server s1 \${ORIGIN}
`;

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

describe('HTTP rule actions of issue 6 (Switchyard)', () => {
  const fx = switchyardWithOrigin(CONFIG);

  it('reports none of the newly enforced actions as not enforced', () => {
    for (const a of ['set-timeout', 'strict-mode', 'early-hint', 'normalize-uri', 'set-pathq', 'set-var-fmt', 'unset-var', 'after-response']) {
      assert.doesNotMatch(fx.proxy.output(), new RegExp(`'http-[a-z-]+ ${a}[^']*' \\(`), a);
    }
  });

  it('set-priority-class/offset are clamped and seen by prio_class/prio_offset', async () => {
    const r = await rawExchange(fx.proxy.ports['prio']!, GET('/'), { idleMs: 500 });
    assert.match(r.data.toString('latin1'), /\r\n\r\n2047 -7$/);
  });

  it('set-timeout server from an expression answers 504 after that delay', async () => {
    const hang = await httpOrigin({ name: 'hang', respond: () => 'hang' });
    const p = await startProxy('switchyard', CONFIG.replace(/\$\{ORIGIN\}/g, hang.addr), {});
    try {
      const t0 = Date.now();
      const r = await rawExchange(p.ports['prio']!, GET('/hang'), { idleMs: 1500, until: (d) => d.includes('</html>') });
      assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 504 /);
      assert.ok(Date.now() - t0 < 1500, 'before timeout server (2s)');
    } finally {
      await p.stop();
      await hang.close();
    }
  });

  it('an early hint goes out before a deny', async () => {
    const r = await rawExchange(fx.proxy.ports['hint']!, GET('/'), { idleMs: 500 });
    const text = r.data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 103 Early Hints\r\nlink: <\/s\.css>; rel=preload\r\n\r\nHTTP\/1\.1 403 Forbidden\r\n/);
  });

  it('normalizers, set-pathq, set-var-fmt and unset-var reach the server; after-response marks the answer', async () => {
    fx.origin.reset();
    const r1 = await rawExchange(fx.proxy.ports['misc']!, GET('//a/b/..//../pq/../../../pq'), { idleMs: 500 });
    assert.match(r1.data.toString('latin1'), /\r\nx-after: yes\r\n/);
    const r2 = await rawExchange(fx.proxy.ports['misc']!, GET('/unset'), { idleMs: 500 });
    assert.match(r2.data.toString('latin1'), /^HTTP\/1\.1 200 /);
    const reqs = fx.origin.requests.map((q) => `${q.target} ${q.raw.toString('latin1').match(/x-x: (.*)\r\n/)?.[1] ?? ''}`);
    assert.deepEqual(reqs, ['/pq?n=1 /pq', '/unset ']);
  });
});

it('http-request / http-response silent-drop reset the client without an answer', async () => {
  const net = await import('node:net');
  const origin = await httpOrigin({ respond: () => ({ body: 'ok' }) });
  const p = await startProxy('switchyard', `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  http-request silent-drop if { path /drop }
  # path cannot be read by a response rule (haproxy: "will never match"): carry it in a variable
  http-request set-var(txn.path) path
  http-response silent-drop if { var(txn.path) -m str /rdrop }
  default_backend be
backend be
  server s1 ${origin.addr}
`);
  try {
    const outcome = (path: string): Promise<string> =>
      new Promise((resolve) => {
        const c = net.connect(p.ports['fe']!, '127.0.0.1', () => c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
        let got = '';
        c.on('data', (d: Buffer) => (got += d.toString('latin1')));
        c.on('error', (e: NodeJS.ErrnoException) => resolve(`${e.code ?? 'error'} ${got}`.trim()));
        c.on('close', () => resolve(`close ${got}`.trim()));
        setTimeout(() => {
          c.destroy();
          resolve(`open ${got.slice(0, 12)}`);
        }, 1000);
      });
    assert.equal(await outcome('/drop'), 'ECONNRESET');
    assert.equal(await outcome('/rdrop'), 'ECONNRESET');
    assert.match(await outcome('/ok'), /^open HTTP\/1\.1 200/);
    assert.ok(!p.output().includes('not enforced'), p.output());
  } finally {
    await p.stop();
    await origin.close();
  }
});
