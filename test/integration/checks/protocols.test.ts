/**
 * The protocol checks (`option ssl-hello-chk`, `smtpchk`, `redis-check`,
 * `pgsql-check`, `mysql-check`, `ldap-check`): the exact bytes haproxy 2.6
 * sends (captured with recording servers) and its texts for the answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, masked, onConnect, onData, scripted, startChecks, type Script } from './check-harness.js';
import { getCerts } from '../../helpers/certs.js';
import { sslv3ClientHello } from '../../../src/server/checks/ssl-hello.js';
import { mysqlLogin } from '../../../src/server/checks/mysql.js';
import { pgsqlStartup } from '../../../src/server/checks/pgsql.js';

/** DOWN lines without the duration and counts, sorted by server. */
function downs(lines: readonly string[]): string[] {
  return lines.filter((l) => l.includes(' is DOWN')).map((l) => l.replace(/, check duration.*/, '').replace(/^\[WARNING\] /, '')).sort();
}

/** Runs `option` against one server per script until `n` servers are DOWN (and a little more). */
async function verdicts(option: string, scripts: Script[], n: number, extra = ''): Promise<{ lines: string[]; received: Buffer[][] }> {
  const servers = await Promise.all(scripts.map((s) => scripted(s)));
  const r = startChecks(backend(option, ...servers.map((s, i) => `server s${i + 1} 127.0.0.1:${s.port} check inter 100ms ${extra}`)));
  try {
    await r.until((l) => downs(l).length >= n);
    await new Promise((res) => setTimeout(res, 120));
    return { lines: [...r.lines], received: servers.map((s) => [...s.received]) };
  } finally {
    r.stop();
    await Promise.all(servers.map((s) => s.close()));
  }
}

/** Runs `option` against a server that fails `failures` times then succeeds, until it is UP. */
async function upLine(option: string, script: Script, rise = 2): Promise<{ lines: string[]; connections: number }> {
  const s = await scripted(script);
  let connections = 0;
  const r = startChecks(backend(option, `server s1 127.0.0.1:${s.port} check inter 40ms rise ${rise}`), (line) => {
    if (line.includes(' is UP')) connections = s.count();
  });
  try {
    await r.until((l) => l.some((x) => x.includes(' is UP')));
    return { lines: masked(r.lines), connections };
  } finally {
    r.stop();
    await s.close();
  }
}

test('ssl-hello-chk: haproxy\'s SSLv3 hello; a TLS server passes (even with an alert), others fail at layer 6', async () => {
  const hello = sslv3ClientHello(0x6b0843d0);
  assert.equal(hello.toString('hex'),
    '16030000790100007503006b0843d0484150524f585953534c43484b0a484150524f585953534c43484b0a00004e000100020003000400050006000700080009000a000b000c000d000e000f0010001100120013001400150016001700180019001a001b002f0030003100320033003400350036003700380039003a0100');
  const certs = await getCerts();
  const tlsServer = await scripted(() => undefined, { cert: certs.rsa.cert, key: certs.rsa.key });
  const others = await verdicts('option ssl-hello-chk', [(s) => s.end(), onData(() => 'garbage\r\n'), () => undefined], 3);
  assert.deepEqual(downs(others.lines), [
    'Server be/s1 is DOWN, reason: Layer6 invalid response, info: "TCPCHK got an empty response at step 2"',
    'Server be/s2 is DOWN, reason: Layer6 invalid response',
    'Server be/s3 is DOWN, reason: Layer6 timeout',
  ]);
  assert.equal(others.received[1]?.[0]?.length, 126);
  const r = startChecks(backend('option ssl-hello-chk', `server s1 127.0.0.1:${tlsServer.port} check inter 50ms`));
  try {
    await r.until(() => tlsServer.count() >= 3);
    assert.deepEqual(r.lines, []);
  } finally {
    r.stop();
    await tlsServer.close();
  }
});

test('smtpchk: banner, HELO/EHLO, QUIT; wrong codes and non-SMTP banners', async () => {
  const smtp: Script = (s) => {
    s.write('220 mail.example ESMTP\r\n');
    s.on('data', (d: Buffer) => (d.toString().startsWith('QUIT') ? s.end('221 bye\r\n') : s.write('250 ok\r\n')));
  };
  const v = await verdicts('option smtpchk', [smtp, onConnect(() => '554 no service\r\n'),
    (s) => { s.write('220 hi\r\n'); s.on('data', () => s.end('502 nope\r\n')); }, onConnect(() => 'hello there\r\n'), (s) => s.end()], 4);
  assert.deepEqual(downs(v.lines), [
    'Server be/s2 is DOWN, reason: Layer7 wrong status, code: 554, info: "no service"',
    'Server be/s3 is DOWN, reason: Layer7 wrong status, code: 502, info: "nope"',
    'Server be/s4 is DOWN, reason: Layer7 invalid response, info: "hello there"',
    'Server be/s5 is DOWN, reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 2"',
  ]);
  assert.equal(v.received[0]?.[0]?.toString(), 'HELO localhost\r\nQUIT\r\n');
  const up = await upLine('option smtpchk EHLO mail.example.org', (s, i) => (i === 0 ? s.end('421 later\r\n') : smtp(s, i)));
  assert.match(up.lines[2] ?? '', /is UP, reason: Layer7 check passed, code: 221, info: "bye", check duration: Nms\. 1 active/);
});

test('redis-check: PING/+PONG', async () => {
  const v = await verdicts('option redis-check', [onData(() => '+PONG\r\n'), onData(() => '-ERR unknown\r\n'), (s) => s.end()], 2);
  assert.deepEqual(downs(v.lines), [
    'Server be/s2 is DOWN, reason: Layer7 wrong status, code: 0, info: "-ERR unknown"',
    'Server be/s3 is DOWN, reason: Layer7 wrong status, code: 0, info: "TCPCHK got an empty response at step 2"',
  ]);
  assert.equal(v.received[0]?.[0]?.toString(), '*1\r\n$4\r\nPING\r\n');
  const up = await upLine('option redis-check', onData((i) => (i === 0 ? '-LOADING\r\n' : '+PONG\r\n')));
  assert.match(up.lines[2] ?? '', /is UP, reason: Layer7 check passed, code: 0, info: "Redis server is ok"/);
});

test('pgsql-check: the StartupMessage, an authentication request passes, ErrorResponse and junk fail', async () => {
  assert.equal(pgsqlStartup('pguser').toString('hex'), '000000150003000075736572007067757365720000');
  const err = Buffer.from('E\0\0\0\x2aSFATAL\0C28000\0Mno pg_hba.conf entry\0\0', 'latin1');
  const v = await verdicts('option pgsql-check user pguser', [onData(() => Buffer.from('520000000800000000', 'hex')), onData(() => err), onData(() => 'XYZWV12345'), (s) => s.end()], 3);
  assert.deepEqual(downs(v.lines), [
    'Server be/s2 is DOWN, reason: Layer7 invalid response, info: "FATAL"',
    'Server be/s3 is DOWN, reason: Layer7 wrong status, code: 0, info: "PostgreSQL unknown error"',
    'Server be/s4 is DOWN, reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 3"',
  ]);
  const up = await upLine('option pgsql-check user u', onData((i) => (i === 0 ? err : Buffer.from('520000000800000000', 'hex'))));
  assert.match(up.lines[2] ?? '', /is UP, reason: Layer7 check passed, code: 0, info: "PostgreSQL server is ok"/);
});

/** A MySQL v10 handshake packet, sequence 0. */
function handshake(): Buffer {
  const body = Buffer.concat([Buffer.from('\x0a5.7.99-test\0\x01\0\0\0abcdefgh\0\xff\xf7\x08\x02\0\x0f\x80\x15', 'latin1'), Buffer.alloc(10), Buffer.from('ijklmnopqrst\0mysql_native_password\0', 'latin1')]);
  const h = Buffer.alloc(4);
  h.writeUIntLE(body.length, 0, 3);
  return Buffer.concat([h, body]);
}

function mysqlError(seq: number): Buffer {
  const body = Buffer.from('\xff\x15\x04#28000Access denied for user', 'latin1');
  const h = Buffer.alloc(4);
  h.writeUIntLE(body.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, body]);
}

test('mysql-check: login packets; errors carry the MySQL error number; success counts twice toward rise', async () => {
  assert.equal(mysqlLogin('haproxy', false).toString('hex'), '290000010082000000800001210000000000000000000000000000000000000000000000686170726f787900000100000001');
  assert.equal(mysqlLogin('hap', true).toString('hex'), '0a000001008000000168617000000100000001');
  const ok = Buffer.from('0700000200000002000000', 'hex');
  const v = await verdicts('option mysql-check user hap', [onData(() => Buffer.concat([handshake(), mysqlError(2)])), onData(() => handshake()), onData(() => mysqlError(0)), (s) => s.end()], 4);
  assert.deepEqual(downs(v.lines), [
    'Server be/s1 is DOWN, reason: Layer7 wrong status, code: 1045, info: "#28000Access denied for user"',
    'Server be/s2 is DOWN, reason: Layer7 invalid response',
    'Server be/s3 is DOWN, reason: Layer7 wrong status, code: 1045, info: "#28000Access denied for user"',
    'Server be/s4 is DOWN, reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 3"',
  ]);
  // rise 3: DOWN at the first check, then two successes are enough (haproxy 2.6 counts each twice).
  const up = await upLine('option mysql-check', onConnect((i) => (i === 0 ? mysqlError(0) : handshake())), 3);
  assert.match(up.lines[2] ?? '', /is UP, reason: Layer7 check passed, code: 0, check duration/);
  assert.equal(up.connections, 3);
  const up2 = await upLine('option mysql-check user hap', onData((i) => (i === 0 ? mysqlError(0) : Buffer.concat([handshake(), ok]))), 2);
  assert.equal(up2.connections, 2);
});

test('ldap-check: the BindRequest; resultCode, non-LDAP answers; success counts twice', async () => {
  const v = await verdicts('option ldap-check', [onData(() => Buffer.from('300c02010161070a013104000400', 'hex')), onData(() => 'hello ldap!!!!!!'), (s) => s.end()], 3);
  assert.deepEqual(downs(v.lines), [
    'Server be/s1 is DOWN, reason: Layer7 wrong status, code: 49, info: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9"',
    'Server be/s2 is DOWN, reason: Layer7 invalid response, info: "Not LDAPv3 protocol"',
    'Server be/s3 is DOWN, reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 2"',
  ]);
  assert.equal(v.received[0]?.[0]?.toString('hex'), '300c020101600702010304008000');
  const up = await upLine('option ldap-check', onData((i) => (i === 0 ? 'x' : Buffer.from('300c02010161070a010004000400', 'hex'))), 3);
  assert.match(up.lines[2] ?? '', /is UP, reason: Layer7 check passed, code: 0, check duration/);
  assert.equal(up.connections, 3);
});
