/**
 * The pure parts of the log subsystem: line printing (separators, encodings,
 * missing values), syslog headers, HTX byte counts, and the UDP sender's
 * level filtering and truncation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { compileLogLine, logDate } from '../../../src/log/line-format.js';
import { LogRecord } from '../../../src/log/log-record.js';
import { LOG_ERR, LOG_INFO, LogSender, logHeader } from '../../../src/log/sender.js';
import { htxMessageSize } from '../../../src/log/htx-size.js';
import { parseLogWords } from '../../../src/log/log-target.js';
import type { LogFormat, LogFormatNode } from '../../../src/sample/log-format.js';
import type { LogTargetConfig } from '../../../src/config/model/global.js';

const O = { quote: false, hexa: false, escape: false };
const Q = { quote: true, hexa: false, escape: false };
const v = (name: string, options = O): LogFormatNode => ({ kind: 'var', name, options });
const sep: LogFormatNode = { kind: 'separator' };
const fmt = (...nodes: LogFormatNode[]): LogFormat => ({ text: '', nodes });

function line(f: LogFormat, r: LogRecord): string {
  const c = compileLogLine(f);
  assert.ok(c.ok);
  return c.fn(r);
}

describe('log lines', () => {
  it('collapses separators around variables that print nothing (log.c last_isspace)', () => {
    const r = new LogRecord();
    r.requestLine = 'GET / HTTP/1.1';
    // %hr %hs without captures print nothing, so one space remains.
    assert.equal(line(fmt(sep, v('ST'), sep, v('hr'), sep, v('hs'), sep, v('r', Q)), r), '-1 "GET / HTTP/1.1"');
    r.reqCaptures = ['a|b', undefined];
    assert.equal(line(fmt(v('hr'), sep, v('hrl')), r), '{a#7Cb|} a#7Cb ');
  });

  it('prints <BADREQ>, encodes the request line, marks redispatches', () => {
    const r = new LogRecord();
    r.badRequest = true;
    assert.equal(line(fmt(v('r', Q)), r), '"<BADREQ>"');
    r.badRequest = false;
    r.requestLine = 'GET /a?"#\x01 HTTP/1.1';
    assert.equal(line(fmt(v('r'), sep, v('HP'), sep, v('HQ'), sep, v('HV')), r), 'GET /a?#22#23#01 HTTP/1.1 /a ?#22#23#01 HTTP/1.1');
    r.retries = 2;
    r.redispatched = true;
    assert.equal(line(fmt(v('rc'), sep, v('tsc'), sep, v('CC'), sep, v('CC', Q)), r), '+2 ---- - ""');
  });

  it('formats %t with milliseconds and prints IPv4-mapped clients as IPv4', () => {
    const r = new LogRecord();
    r.acceptDate = new Date(2026, 10, 6, 7, 8, 9, 12).getTime();
    r.client = { address: '::ffff:10.1.2.3', port: 4242 };
    assert.equal(logDate(r.acceptDate), '06/Nov/2026:07:08:09.012');
    assert.equal(line(fmt(v('ci'), { kind: 'text', text: ':' }, v('cp')), r), '10.1.2.3:4242');
  });
});

describe('syslog headers', () => {
  const id = { tag: 'haproxy' };
  it('writes each format as haproxy 2.6 does', () => {
    assert.equal(logHeader('raw', 134, 6, id), '');
    assert.equal(logHeader('short', 134, 6, id), '<6>');
    assert.equal(logHeader('priority', 134, 6, id), '<134>');
    assert.match(logHeader('rfc3164', 134, 6, id), new RegExp(`^<134>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d haproxy\\[${process.pid}\\]: $`));
    assert.match(logHeader('rfc3164', 134, 6, id, undefined, true), / localhost haproxy\[/);
    assert.match(logHeader('local', 134, 6, { tag: 't', hostname: 'h' }), / t\[\d+\]: $/);
    assert.match(logHeader('rfc5424', 134, 6, id), new RegExp(`^<134>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}[+-]\\d\\d:\\d\\d - haproxy ${process.pid} - - $`));
    assert.match(logHeader('timed', 134, 6, id), /^<6>\d{4}-.* $/);
  });

  it('counts HTX bytes of a generated reply (the default 403 logs 192)', () => {
    const body = '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n';
    const raw = `HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n${body}`;
    assert.equal(htxMessageSize(Buffer.from(raw, 'latin1')), 192);
  });
});

describe('sender', () => {
  it('filters by level, raises to minlevel, truncates to len over UDP', async () => {
    const sock = dgram.createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    const target = (words: string): LogTargetConfig => {
      const r = parseLogWords(['log', `127.0.0.1:${port}`, ...words.split(' ')], false);
      assert.ok(r.ok && r.action === 'add');
      return { ...r.target, place: { file: 't', line: 1 } } as LogTargetConfig;
    };
    const s = new LogSender([target('len 80 format raw local0'), target('format priority local0 notice'), target('format short local0 info notice')], { tag: 'haproxy' });
    s.send(LOG_INFO, 'x'.repeat(100));
    s.send(LOG_ERR, 'e');
    await new Promise((r) => setTimeout(r, 100));
    sock.close();
    // log.c: MAX(level, minlevel): an err line goes out as notice (<5>) on the third target.
    assert.deepEqual(got.sort(), [`${'x'.repeat(80)}\n`, 'e\n', '<131>e\n', `<6>${'x'.repeat(100)}\n`, '<5>e\n'].sort());
  });
});
