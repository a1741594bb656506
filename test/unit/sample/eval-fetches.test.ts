/**
 * Fetch implementations (src/sample/impls/fetch-*.ts): internal state,
 * layer 4 and layer-6 payload fetches with their tri-state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { BasicSampleContext, MISS, type BackendView, type ServerView } from '../../../src/sample/context.js';
import type { CompileEnv } from '../../../src/sample/compile.js';
import { compile, compileError, ev, show } from './eval-helpers.js';

function server(name: string, o: Partial<ServerView> = {}): ServerView {
  return { name, id: 1, maxconn: 0, maxqueue: 0, backup: false, served: 0, uweight: 1, eweight: 16, state: 'UP', queue: { length: 0 }, config: {}, ...o };
}
function backend(name: string, servers: readonly ServerView[], o: Partial<BackendView> = {}): BackendView {
  return {
    name, servers, queue: { length: 0 }, counters: { curConns: 0 }, config: { name, options: new Map() },
    activeCount: servers.filter((s) => !s.backup && s.state === 'UP').length,
    backupCount: servers.filter((s) => s.backup && s.state === 'UP').length, ...o,
  };
}

test('backend and server counters', () => {
  const be = backend('app', [
    server('a', { maxconn: 10, maxqueue: 5, served: 3, queue: { length: 2 } }),
    server('b', { maxconn: 20, maxqueue: 5, uweight: 3, eweight: 48, config: { weight: 2 } }),
    server('c', { backup: true, maxconn: 4, maxqueue: 1 }),
    server('d', { state: 'DOWN', maxconn: 100, maxqueue: 100 }),
  ], { queue: { length: 1 }, counters: { curConns: 7 } });
  const env: CompileEnv = { backend: be, findBackend: (n) => (n === 'app' ? be : undefined) };
  const ctx = new BasicSampleContext({ backend: be });
  assert.equal(ev('nbsrv', ctx, env), 'sint:2');
  assert.equal(ev('be_conn', ctx, env), 'sint:7');
  assert.equal(ev('queue', ctx, env), 'sint:3');
  assert.equal(ev('avg_queue', ctx, env), 'sint:2');
  assert.equal(ev('connslots(app)', ctx, env), `sint:${10 - 3 + (5 - 2) + 20 + 5 + 4 + 1}`);
  assert.equal(ev('be_conn_free', ctx, env), 'sint:27');
  assert.equal(ev('srv_conn(a)', ctx, env), 'sint:3');
  assert.equal(ev('srv_conn_free(app/a)', ctx, env), 'sint:7');
  assert.equal(ev('srv_is_up(d)', ctx, env), 'bool:0');
  assert.equal(ev('srv_iweight(b)', ctx, env), 'sint:2');
  assert.equal(ev('srv_uweight(b)', ctx, env), 'sint:3');
  assert.equal(ev('srv_weight(b)', ctx, env), 'sint:3');
  assert.equal(ev('srv_queue(a)', ctx, env), 'sint:2');
  assert.equal(ev('str(app),nbsrv', ctx, env), 'sint:2');
  assert.equal(ev('str(app/a),srv_queue', ctx, env), 'sint:2');
  assert.match(compileError('be_conn(nope)', env), /unable to find backend 'nope' referenced in arg 1/);
  assert.match(compileError('srv_conn(app/zz)', env), /unable to find server 'zz' in proxy 'app'/);
  // all active servers down: the first backup alone, unless allbackups
  const onlyBackups = backend('b', [server('x', { state: 'DOWN' }), server('y', { backup: true }), server('z', { backup: true })]);
  assert.equal(ev('nbsrv', new BasicSampleContext({ backend: onlyBackups })), 'sint:1');
  const all = backend('b', onlyBackups.servers, { config: { name: 'b', options: new Map([['allbackups', true]]) } });
  assert.equal(ev('nbsrv', new BasicSampleContext({ backend: all })), 'sint:2');
});

test('constants and process facts', () => {
  const env: CompileEnv = { now: () => 1234567890123, random: () => 0.5, processEnv: { X: 'y' }, hostname: 'h1' };
  assert.equal(ev('date', undefined, env), 'sint:1234567890');
  assert.equal(ev('date(10,ms)', undefined, env), 'sint:1234567890133');
  assert.equal(ev('date_us', undefined, env), 'sint:123000');
  assert.equal(ev('rand', undefined, env), 'sint:2147483648');
  assert.equal(ev('rand(10)', undefined, env), 'sint:5');
  assert.equal(ev('env(X)', undefined, env), 'str:y');
  assert.equal(ev('env(NOPE)', undefined, env), undefined);
  assert.equal(ev('hostname', undefined, env), 'str:h1');
  assert.equal(ev('bin(0aff)'), 'bin:0aff');
  assert.equal(ev('ipv4(10.0.0.1)'), 'ipv4:10.0.0.1');
  assert.equal(ev('bool(TRUE)'), 'bool:1');
  assert.match(show(compile('uuid')(new BasicSampleContext())) ?? '', /^str:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // constant fetches return one shared sample: no allocation per evaluation
  const f = compile('str(x)');
  const c = new BasicSampleContext();
  assert.equal(f(c), f(c));
});

test('layer 4: addresses, ports, listener and proxies', () => {
  const ctx = new BasicSampleContext({
    src: { address: '::ffff:10.0.0.1', port: 40000 },
    dst: { address: '127.0.0.1', port: 8080 },
    fcSrc: { address: '192.0.2.1', port: 1234 },
    listener: { spec: { bind: { name: 'web', id: 5 } } },
    proxyProtocol: { authority: 'example.com' },
  });
  assert.equal(ev('src', ctx), 'ipv6:::ffff:10.0.0.1');
  assert.equal(ev('src,ipmask(24)', ctx), 'ipv4:10.0.0.0');
  assert.equal(ev('src_port', ctx), 'sint:40000');
  assert.equal(ev('dst', ctx), 'ipv4:127.0.0.1');
  assert.equal(ev('dst_port', ctx), 'sint:8080');
  assert.equal(ev('dst_is_local', ctx), 'bool:1');
  assert.equal(ev('fc_src', ctx), 'ipv4:192.0.2.1');
  assert.equal(ev('fc_dst_port', ctx), 'sint:8080');
  assert.equal(ev('so_id', ctx), 'sint:5');
  assert.equal(ev('so_name', ctx), 'str:web');
  assert.equal(ev('fc_rcvd_proxy', ctx), 'bool:1');
  assert.equal(ev('fc_pp_authority', ctx), 'str:example.com');
  assert.equal(ev('fc_err_str', ctx), 'str:Success');
  assert.equal(ev('fc_rtt(ms)', ctx), undefined);
  assert.equal(ev('be_name', ctx), undefined);
});

function payloadCtx(data: string | Buffer, final = false, extra = 0): BasicSampleContext {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  // a larger receive buffer, of which only `len` bytes are valid
  const buf = Buffer.alloc(bytes.length + extra, 0x55);
  bytes.copy(buf);
  return new BasicSampleContext({ final, req: { buf, len: bytes.length }, res: { buf: Buffer.from('HTTP'), len: 4 } });
}

test('req.len and req.payload: views, not copies, and MISS while data is short', () => {
  const ctx = payloadCtx('hello world', false, 100);
  const r = compile('req.payload(6,5)')(ctx);
  assert.equal(show(r), 'bin:776f726c64');
  assert.ok(r !== undefined && r !== MISS && r.type === 'bin' && r.value.buffer === ctx.req!.buf.buffer, 'payload is a view');
  assert.equal(show(compile('req.payload(6,0)')(ctx)), 'bin:776f726c64');
  assert.equal(compile('req.payload(6,10)')(ctx), MISS);
  assert.equal(compile('req.payload(20,0)')(ctx), MISS);
  assert.equal(compile('req.payload(0,20000)')(ctx), undefined);
  const len = compile('req.len')(ctx);
  assert.ok(len !== undefined && len !== MISS && len.type === 'sint' && len.value === 11n && len.flags === 1);
  assert.equal(ev('res.len', ctx), 'sint:4');
  assert.equal(ev('payload(0,4)', new BasicSampleContext({ ...ctx, req: ctx.req, res: ctx.res, response: true })), 'bin:48545450');
});

test('payload_lv: length-prefixed blocks with absolute and relative offsets', () => {
  const ctx = payloadCtx(Buffer.from('0003616263ff7a', 'hex'));
  assert.equal(ev('req.payload_lv(0,2)', ctx), 'bin:616263');
  assert.equal(ev('req.payload_lv(0,2,5)', ctx), 'MISS');
  assert.equal(ev('req.payload_lv(0,2,4)', ctx), 'bin:63ff7a');
  assert.equal(ev('req.payload_lv(0,2,+1)', ctx), 'bin:6263ff');
  assert.equal(ev('req.payload_lv(0,2,-1)', ctx), 'bin:036162');
  assert.equal(ev('req.payload_lv(10,2)', ctx), 'MISS');
  assert.equal(ev('req.payload_lv(0,5)', ctx), undefined);
});

test('rdp_cookie and its count', () => {
  const head = '\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00';
  const full = payloadCtx(`${head}Cookie: mstshash=alice\r\nrest`);
  assert.equal(ev('req.rdp_cookie(mstshash)', full), 'str:alice');
  assert.equal(ev('req.rdp_cookie(MSTSHASH)', full), 'str:alice');
  assert.equal(ev('rdp_cookie', full), 'str:alice');
  assert.equal(ev('req.rdp_cookie(other)', full), undefined);
  assert.equal(ev('req.rdp_cookie_cnt(mstshash)', full), 'sint:1');
  assert.equal(ev('req.rdp_cookie_cnt(other)', full), 'sint:0');
  const partial = payloadCtx(`${head}Cookie: mstshash=ali`);
  assert.equal(ev('req.rdp_cookie(mstshash)', partial), 'MISS');
  assert.equal(ev('req.rdp_cookie_cnt', partial), 'MISS');
  assert.equal(ev('req.rdp_cookie', payloadCtx(`${head}GET / HTTP/1.1\r\n`)), undefined);
});

test('distcc_param and distcc_body', () => {
  const ctx = payloadCtx('DIST00000001ARGC00000002ARGV00000003abcARGV00000002xyDOTI0000000a01234');
  assert.equal(ev('distcc_param(ARGC)', ctx), 'sint:2');
  assert.equal(ev('distcc_param(ARGV,2)', ctx), 'sint:2');
  assert.equal(ev('distcc_body(ARGV)', ctx), 'bin:616263');
  assert.equal(ev('distcc_body(ARGV,2)', ctx), 'bin:7879');
  assert.equal(ev('distcc_body(DOTI)', ctx), 'MISS');
  assert.equal(ev('distcc_param(DOTI)', ctx), 'sint:10');
  assert.equal(ev('distcc_param(NOPE)', ctx), 'MISS');
});

test('wait_end only answers once the context is final', () => {
  assert.equal(ev('wait_end', new BasicSampleContext({ final: false })), 'MISS');
  assert.equal(ev('wait_end', new BasicSampleContext({ final: true })), 'bool:1');
});

/** The first bytes a Node TLS client sends: a real ClientHello. */
async function captureClientHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => {
      sock.once('data', (d: Buffer) => {
        resolve(d);
        sock.destroy();
        srv.close();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
      c.on('error', () => {});
    });
    srv.on('error', reject);
  });
}

test('TLS ClientHello fetches (req.ssl_*)', async () => {
  const hello = await captureClientHello({ servername: 'example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  const ctx = payloadCtx(hello, false);
  assert.equal(ev('req.ssl_hello_type', ctx), 'sint:1');
  assert.equal(ev('req.ssl_sni', ctx), 'str:example.com');
  assert.equal(ev('req.ssl_alpn', ctx), 'str:h2');
  assert.equal(ev('req.ssl_ec_ext', ctx), 'bool:1');
  assert.match(ev('req.ssl_ver', ctx) ?? '', /^sint:1966(09|10|11)$/);
  const half = payloadCtx(hello.subarray(0, 20), false);
  assert.equal(ev('req.ssl_sni', half), 'MISS');
  assert.equal(ev('req.ssl_hello_type', half), 'MISS');
  assert.equal(ev('req.ssl_sni', payloadCtx('GET / HTTP/1.1\r\n')), undefined);
});
