/**
 * Tests of test/helpers/processes.ts: port placeholders, inherited listening
 * fds, readiness, stop(), and -c parsing. The process tests run against the
 * real haproxy (proving the helpers) and against the Switchyard CLI (the same
 * command-line contract: `-db -f`, `-c -f`, exit codes and messages).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { tcpOrigin } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { checkConfig, fillPlaceholders, listenerNames, parseDiagnostics, startProxy, type ProxyKind } from '../../helpers/processes.js';

const KINDS: Array<{ kind: ProxyKind; skip: string | false }> = [
  { kind: 'haproxy', skip: haproxyAvailable() ? false : 'haproxy is not installed' },
  // Not skipped when bin/switchyard.js is missing: these tests state the CLI contract.
  { kind: 'switchyard', skip: false },
];

describe('placeholders', () => {
  it('fills PORT, ADDR, FD and vars, and keeps haproxy environment references', () => {
    const text = 'bind ${ADDR:fe}\nbind ${FD:pre}\nport ${PORT:fe}\nserver s ${SRV:a} crt ${CERT_PEM}\nbind "${HOME}:1"';
    assert.deepEqual(listenerNames(text), { tcp: ['fe'], fd: ['pre'] });
    const out = fillPlaceholders(text, { ports: { fe: 1234 }, fds: { pre: 3 }, vars: { 'SRV:a': '127.0.0.1:9', CERT_PEM: '/x.pem' } });
    assert.equal(out, 'bind 127.0.0.1:1234\nbind fd@3\nport 1234\nserver s 127.0.0.1:9 crt /x.pem\nbind "${HOME}:1"');
  });
});

describe('parseDiagnostics', () => {
  it('reads the place styles haproxy 2.6 prints', () => {
    const text = [
      '[NOTICE]   (11) : haproxy version is 2.6.12',
      "[ALERT]    (11) : config : parsing [a.cfg:2] : unknown keyword 'bogus' in 'global' section",
      "[ALERT]    (11) : config : [a.cfg:12] : 'server be/s1' : unable to enable checks and tracking at the same time!",
      "[ALERT]    (11) : config : Parsing [a.cfg:14]: proxy 'fe' has the same name as frontend 'fe' declared at a.cfg:6.",
      "[WARNING]  (11) : config : Proxy 'fe': no timeout.",
      '   | continued',
      '[ALERT]    (11) : config : Fatal errors found in configuration.',
    ].join('\n');
    const d = parseDiagnostics(text);
    assert.deepEqual(
      d.map((x) => [x.severity, x.file, x.line]),
      [
        ['notice', undefined, undefined],
        ['alert', 'a.cfg', 2],
        ['alert', 'a.cfg', 12],
        ['alert', 'a.cfg', 14],
        ['warning', undefined, undefined],
        ['alert', undefined, undefined],
      ],
    );
    assert.equal(d[4]?.message, "Proxy 'fe': no timeout.\n   | continued");
    assert.equal(d[1]?.message, "parsing [a.cfg:2] : unknown keyword 'bogus' in 'global' section");
  });
});

for (const { kind, skip } of KINDS) {
describe(`checkConfig (${kind})`, { skip }, () => {
  it('reports a valid configuration', async () => {
    const r = await checkConfig(kind, 'defaults\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nlisten l\n  bind 127.0.0.1:8080\n  server s 127.0.0.1:1\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Configuration file is valid/);
    assert.deepEqual(r.alerts, []);
  });

  it('reports alerts with file and line', async () => {
    const r = await checkConfig(kind, 'global\n  bogus 1\nfrontend fe\n  bind 127.0.0.1:0\n', { fileName: 'x.cfg' });
    assert.equal(r.code, 1);
    const placed = r.alerts.filter((a) => a.line !== undefined);
    assert.deepEqual(placed.map((a) => a.line), [2, 4]);
    assert.match(placed[0]?.file ?? '', /x\.cfg$/);
    assert.match(placed[1]?.message ?? '', /'bind' : invalid port '0'/);
    assert.ok(r.alerts.some((a) => a.message === 'Fatal errors found in configuration.'));
  });

  it('reports post-parse alerts without a place', async () => {
    const r = await checkConfig(kind, 'frontend fe\n  bind 127.0.0.1:8080\n  default_backend nope\n');
    assert.equal(r.code, 1);
    assert.ok(r.alerts.some((a) => a.line === undefined && /unable to find required default_backend: 'nope'/.test(a.message)));
  });

  it('exits 2 for a valid configuration without listener, like haproxy', async () => {
    const a = await checkConfig(kind, 'global\n  maxconn 10\n');
    assert.equal(a.code, 2);
    assert.match(a.stdout, /will not start \(no listener\)/);
  });
});

describe(`startProxy (${kind})`, { skip }, () => {
  it('picks ports, waits for them and proxies to an origin', async (t) => {
    const origin = await tcpOrigin();
    t.after(() => origin.close());
    const p = await startProxy(
      kind,
      `defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\nlisten l\n  bind \${ADDR:fe}\n  bind 127.0.0.1:\${PORT:other}\n  server s ${origin.addr}\n`,
    );
    try {
      assert.ok(p.ports['fe'] !== undefined && p.ports['other'] !== undefined);
      assert.notEqual(p.ports['fe'], p.ports['other']);
      assert.equal(p.addr('fe'), `127.0.0.1:${p.ports['fe']}`);
      assert.equal(origin.connections, 0, 'the readiness probe must not reach the origin');
      const r = await rawExchange(p.ports['fe'] ?? 0, 'hello', { until: (d) => d.length >= 5 });
      assert.equal(r.data.toString(), 'hello');
      const r2 = await rawExchange(p.ports['other'] ?? 0, 'again', { until: (d) => d.length >= 5 });
      assert.equal(r2.data.toString(), 'again');
      assert.deepEqual(origin.received.map(String), ['hello', 'again']);
    } finally {
      const st = await p.stop();
      await origin.close();
      assert.equal(p.exitCode === null || typeof p.exitCode === 'number', true);
      assert.ok(st.code !== undefined);
    }
  });

  it('passes pre-opened listeners as inherited fds (bind fd@N)', async (t) => {
    const origin = await tcpOrigin();
    t.after(() => origin.close());
    const p = await startProxy(
      kind,
      `defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\nlisten a\n  bind \${FD:a}\n  server s ${origin.addr}\nlisten b\n  bind \${FD:b}\n  server s ${origin.addr}\n`,
    );
    try {
      assert.match(p.config, /bind fd@3\n/);
      assert.match(p.config, /bind fd@4\n/);
      for (const n of ['a', 'b', 'a']) {
        const r = await rawExchange(p.ports[n] ?? 0, `via-${n}`, { until: (d) => d.length >= 5 });
        assert.equal(r.data.toString(), `via-${n}`);
      }
    } finally {
      await p.stop();
      await origin.close();
    }
  });

  it('rejects with the proxy output when the configuration is refused', async () => {
    await assert.rejects(
      startProxy(kind, 'frontend fe\n  bind ${ADDR:fe}\n  bogus-keyword\n'),
      (e: Error) => /did not start/.test(e.message) && /unknown keyword 'bogus-keyword'/.test(e.message),
    );
  });

  it('stop() terminates the process and is idempotent', async () => {
    const p = await startProxy(kind, 'defaults\n  timeout client 1s\nfrontend fe\n  bind ${ADDR:fe}\n');
    const [a, b] = await Promise.all([p.stop(), p.stop()]);
    assert.deepEqual(a, b);
    assert.notEqual(p.exitCode === null && a.signal === null, true);
    const r = await rawExchange(p.ports['fe'] ?? 0, 'x', { timeoutMs: 1000 });
    assert.equal(r.error, 'ECONNREFUSED');
  });
});
}
