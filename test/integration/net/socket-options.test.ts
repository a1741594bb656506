/**
 * Socket options Node cannot set (docs/bind-options.md): the ones that change
 * what is received or sent refuse the start with an alert naming the option
 * and why; the kernel hints start with a warning worded like haproxy's. Also
 * `option tcpka`/`clitcpka-idle`/`srvtcpka` on real sockets, read back with
 * `ss`, and `source` port ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { loadConfigText } from '../../helpers/load-config.js';
import { CaptureReporter } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';
import { buildRuntime } from '../../../src/proxy/runtime.js';
import { Lifecycle } from '../../../src/proxy/lifecycle.js';
import { SourcePorts } from '../../../src/net/connect.js';

const DEFAULTS = `defaults
  mode tcp
  timeout client 2s
  timeout server 2s
  timeout connect 1s
`;

/** Builds and starts `text`; returns the build alerts, the start alerts and warnings, and a stopper. */
async function startText(template: string): Promise<{ build: string[]; start: string[]; warnings: string[]; lc: Lifecycle | undefined; ports: number[] }> {
  const port = await freePort();
  const text = template.replace('127.0.0.1:0', `127.0.0.1:${port}`);
  const r = loadConfigText(text);
  assert.deepEqual(r.alerts, [], 'the configuration parses');
  const reporter = new CaptureReporter();
  const { runtime, diag } = buildRuntime(r.model, { reporter });
  const build = diag.list.filter((d) => d.severity === 'alert').map((d) => d.message);
  const buildWarnings = diag.list.filter((d) => d.severity === 'warning').map((d) => d.message);
  if (build.length > 0) return { build, start: [], warnings: buildWarnings, lc: undefined, ports: [] };
  const lc = new Lifecycle(runtime, { progname: 'switchyard' });
  const res = await lc.start();
  const warnings = [...buildWarnings, ...reporter.lines.filter((l) => l.severity === 'warning').map((l) => l.message)];
  const ports = runtime.listeners.map((l) => l.port);
  return { build, start: res.alerts, warnings, lc: res.ok ? lc : undefined, ports };
}

for (const [opt, words] of [
  ['transparent', 'cannot make receiving socket transparent'],
  ['interface lo', "cannot bind receiver to device 'lo'"],
] as const) {
  test(`bind ... ${opt}: the start is refused with an alert naming the option`, async () => {
    const r = await startText(`${DEFAULTS}frontend fe\n  bind 127.0.0.1:0 ${opt}\n  default_backend be\nbackend be\n  server s 127.0.0.1:1\n`);
    assert.equal(r.lc, undefined);
    const name = opt.split(' ')[0]!;
    assert.match(r.start[0] ?? '', new RegExp(`^Binding \\[[^\\]]*t\\.cfg:7\\] for frontend fe: ${words} \\('${name}' needs .*Node\\.js cannot .*\\) \\[127\\.0\\.0\\.1:\\d+\\]$`));
    assert.equal(r.start[1], '[switchyard.main()] Some protocols failed to start their listeners! Exiting.');
  });
}

test('bind ... tfo defer-accept mss tcp-ut: the start goes on with one warning each', async () => {
  const r = await startText(`${DEFAULTS}frontend fe\n  bind 127.0.0.1:0 tfo defer-accept mss 1400 tcp-ut 5s\n  default_backend be\nbackend be\n  server s 127.0.0.1:1\n`);
  try {
    assert.notEqual(r.lc, undefined);
    const head = /^Binding \[[^\]]*t\.cfg:7\] for frontend fe: /;
    const bind = r.warnings.filter((w) => head.test(w));
    assert.deepEqual(bind.map((w) => w.replace(head, '').replace(/ \(.*$/, '')), [
      'cannot enable TCP_FASTOPEN', 'cannot enable DEFER_ACCEPT', 'cannot set MSS', 'cannot set TCP User Timeout',
    ]);
  } finally {
    await r.lc?.hardStop();
  }
});

for (const [line, words] of [
  ['server s 127.0.0.1:1 source 127.0.0.1 usesrc clientip', "'source ... usesrc clientip' needs IP_TRANSPARENT"],
  ['server s 127.0.0.1:1 source 127.0.0.1 interface lo', "'source ... interface lo' needs SO_BINDTODEVICE"],
  ['server s 127.0.0.1:1 namespace *', "'namespace *' needs setns()"],
] as const) {
  test(`${line.slice(21)}: the start is refused`, async () => {
    const r = await startText(`${DEFAULTS}listen l\n  bind 127.0.0.1:0\n  ${line}\n`);
    assert.equal(r.lc, undefined);
    assert.equal(r.build.length, 1);
    assert.ok(r.build[0]!.startsWith(`server 'l/s': ${words}`), r.build[0]);
  });
}

test('a backend source with usesrc is refused too, unless the server has its own source', async () => {
  const r = await startText(`${DEFAULTS}listen l\n  bind 127.0.0.1:0\n  source 0.0.0.0 usesrc clientip\n  server s 127.0.0.1:1\n`);
  assert.match(r.build[0] ?? '', /^server 'l\/s': 'source \.\.\. usesrc clientip' needs IP_TRANSPARENT/);
  const ok = await startText(`${DEFAULTS}listen l\n  bind 127.0.0.1:0\n  source 0.0.0.0 usesrc clientip\n  server s 127.0.0.1:1 source 127.0.0.1\n`);
  assert.deepEqual(ok.build, []);
  await ok.lc?.hardStop();
});

test('set-mark and set-tos actions refuse the start, naming the rule and the socket option', async () => {
  const r = await startText(`${DEFAULTS}listen l\n  bind 127.0.0.1:0\n  tcp-request connection set-mark 0x10\n  tcp-request content set-tos 4\n  server s 127.0.0.1:1\n`);
  assert.match(r.build[0] ?? '', /^proxy 'l': 'tcp-request connection set-mark' needs SO_MARK, which Node\.js cannot set/);
  assert.match(r.build[1] ?? '', /^proxy 'l': 'tcp-request content set-tos' needs IP_TOS, which Node\.js cannot set/);
  await r.lc?.hardStop();
});

/** The keep-alive timer `ss` shows for the TCP connections of `port` (local or remote), e.g. ['keepalive']. */
function timersOf(port: number): string[] {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => /timer:\((\w+)/.exec(l)?.[1] ?? 'none');
}

test('option tcpka with clitcpka-idle: both connections of a stream have SO_KEEPALIVE; without it, neither', async () => {
  const origin = net.createServer((c) => c.on('error', () => undefined));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const oport = (origin.address() as net.AddressInfo).port;
  for (const opt of ['  option tcpka\n  clitcpka-idle 30s\n', '']) {
    const r = await startText(`${DEFAULTS}listen l\n  bind 127.0.0.1:0\n${opt}  server s 127.0.0.1:${oport}\n`);
    const c = net.connect({ port: r.ports[0]!, host: '127.0.0.1' });
    try {
      await new Promise<void>((res) => c.on('connect', () => res()));
      c.write('x');
      await new Promise((res) => setTimeout(res, 150));
      // proxy side of the client connection, proxy side of the server connection
      const front = timersOf(r.ports[0]!).filter((t) => t !== 'none');
      const back = timersOf(oport).filter((t) => t !== 'none');
      const want = opt === '' ? [] : ['keepalive'];
      assert.deepEqual(front, want, `client side with '${opt.trim()}'`);
      assert.deepEqual(back, want, `server side with '${opt.trim()}'`);
    } finally {
      c.destroy();
      await r.lc?.hardStop();
    }
  }
  origin.close();
});

test('source ports: a range is handed out in turn and wraps', () => {
  const p = new SourcePorts(20000, 20002);
  assert.deepEqual([p.take(), p.take(), p.take(), p.take()], [20000, 20001, 20002, 20000]);
});
