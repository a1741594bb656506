/**
 * Syslog headers and custom log formats, compared with haproxy 2.6:
 * every `format` of the `log` line (rfc3164, rfc5424 with and without
 * log-send-hostname and log-format-sd, local, short, priority, iso, timed,
 * raw), `len` truncation, level filtering, `log-tag`, `sample` (not applied, as haproxy 2.6.12), `log stdout
 * format raw`, and a `log-format` using most variables and `%[expr]`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpOrigin } from '../../helpers/origins.js';
import { bothMasked, exchange, logLines, maskLine } from './log-helpers.js';

const get = (path: string, host = 'x.example'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

function config(globalLogs: string, feExtra: string): string {
  return `global
${globalLogs}
defaults
  mode http
  log global
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
${feExtra}
  default_backend be
backend be
  server s1 \${ORIGIN}
`;
}

test('every syslog header format, len, levels, log-tag', async () => {
  const origin = await httpOrigin();
  try {
    const logs = [
      'log 127.0.0.1:${UDP} local0',
      'log 127.0.0.1:${UDP} format rfc5424 local1',
      'log 127.0.0.1:${UDP} len 80 format rfc5424 local2',
      'log 127.0.0.1:${UDP} format short local3',
      'log 127.0.0.1:${UDP} format iso local3',
      'log 127.0.0.1:${UDP} format timed local3',
      'log 127.0.0.1:${UDP} format local local4',
      'log 127.0.0.1:${UDP} format priority local5 info notice',
      'log 127.0.0.1:${UDP} local6 notice',
      // An explicit rfc3164 has a host field ("localhost"); len counts the header (cut before the timers).
      'log 127.0.0.1:${UDP} len 90 format rfc3164 local7',
      'log 127.0.0.1:${UDP} format raw local2',
    ].map((l) => `  ${l}`).join('\n');
    for (const fe of ['  option httplog', '  option httplog\n  log-tag mytag\n  log-format-sd [sd@1\\ b=%b]']) {
      const r = await bothMasked(config(logs, fe), async (p) => {
        await exchange(p.ports['fe']!, get('/'));
        await exchange(p.ports['fe']!, 'BAD\r\n\r\n');
      }, { ORIGIN: origin.addr });
      // Ten targets take info lines (local6 notice does not), two lines each.
      assert.equal(r.haproxy.length, 20, JSON.stringify(r.haproxy, null, 1));
      assert.deepEqual([...r.switchyard].sort(), [...r.haproxy].sort());
    }
    // log-send-hostname puts the host in rfc3164 and rfc5424 headers.
    const h = await bothMasked(config('  log-send-hostname myhost\n  log 127.0.0.1:${UDP} local0\n  log 127.0.0.1:${UDP} format rfc5424 local0', '  option httplog'), async (p) => {
      await exchange(p.ports['fe']!, get('/'));
    }, { ORIGIN: origin.addr });
    assert.equal(h.haproxy.length, 2);
    assert.deepEqual([...h.switchyard].sort(), [...h.haproxy].sort());
  } finally {
    await origin.close();
  }
});

test('sample ranges are parsed, and every line still goes out as with haproxy 2.6.12', async () => {
  const origin = await httpOrigin();
  try {
    const r = await bothMasked(config('', '  log 127.0.0.1:${UDP} format raw sample 1:2 local0\n  log-format %HP'), async (p) => {
      for (let i = 1; i <= 4; i++) await exchange(p.ports['fe']!, get(`/${i}`));
    }, { ORIGIN: origin.addr });
    assert.deepEqual(r.haproxy, ['/1\n', '/2\n', '/3\n', '/4\n']);
    assert.deepEqual(r.switchyard, r.haproxy);
  } finally {
    await origin.close();
  }
});

test('a custom log-format with most variables and sample expressions', async () => {
  const origin = await httpOrigin();
  try {
    const fmt = [
      '%ci', '%fi:%fp', '%f', '%ft', '%b', '%s', '%sp', '%ST', '%B', '%U', '%HM', '%HU', '%HP', '%HQ', '%HV', '%ts', '%tsc',
      '%ac/%fc/%bc/%sc/%rc', '%sq/%bq', '%{+Q}r', '%[src]', '%[str(abc),upper]', '%[var(txn.nothere)]', '%{+Q}[var(txn.nothere)]',
      '%{+Q}b', 'text\\ with\\ spaces', '%CC', '%hr', '%hs', '%ID',
    ].join('\\ ');
    const r = await bothMasked(config('  log 127.0.0.1:${UDP} format raw local0', `  log-format ${fmt}`), async (p) => {
      await exchange(p.ports['fe']!, get('/p/a?q=1&r="2"', 'h.example'));
    }, { ORIGIN: origin.addr });
    assert.equal(r.haproxy.length, 1);
    assert.deepEqual(r.switchyard.map((l) => l.replace(/:\d+ /, ':P ')), r.haproxy.map((l) => l.replace(/:\d+ /, ':P ')));
  } finally {
    await origin.close();
  }
});

test('log stdout format raw writes the line on standard output', async () => {
  const origin = await httpOrigin();
  try {
    const cfg = config('  log stdout format raw local0\n  log stdout len 80 format rfc5424 local0', '  option httplog');
    const out: string[] = [];
    for (const kind of ['haproxy', 'switchyard'] as const) {
      const r = await logLines(kind, cfg, async (p) => {
        await exchange(p.ports['fe']!, get('/std'));
      }, { ORIGIN: origin.addr });
      out.push(r.stdout.split('\n').filter((l) => l.includes('/std') || l.startsWith('<134>1 ')).map(maskLine).join('\n'));
    }
    assert.match(out[0]!, /"GET \/std HTTP\/1.1"/);
    // The `len 80` line: cut to 79 characters on an fd target, inside the date (where
    // exactly depends on the width of the pid and of the client port).
    assert.match(out[0]!, /^<134>1 ISO - haproxy PID - - 127\.0\.0\.1:P \[[\dA-Za-z/:]*$/m);
    assert.equal(out[1], out[0]);
  } finally {
    await origin.close();
  }
});
