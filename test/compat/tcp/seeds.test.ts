/**
 * The layer-4 setups of the seed documents, run under haproxy 2.6 and under
 * Switchyard with the same clients (`openssl s_client` and fixed bytes) and
 * the same origins, compared: which origin received which connection, the
 * bytes it received (PROXY headers included, client ports masked), what each
 * client saw and how its connection ended.
 *
 *   seed 004  layer-4 SNI router: use_backend %[req_ssl_sni,lower,word(1,:)]_tls
 *   seed 001  TLS passthrough frontend
 *   seed 002  RDP: persist rdp-cookie + leastconn; balance rdp-cookie
 *   seed 002  ECC/RSA relay: req.ssl_ec_ext → unix@ servers with send-proxy-v2
 *             → accept-proxy binds (the TLS terminators behind them are
 *             stood in for by mode tcp listens in front of TLS origins)
 *
 * Health checks (`check`, `option ssl-hello-chk`) are left out of the
 * configurations: their probes would reach the origins at times that
 * differ between the two programs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpOrigin, tlsOrigin, type Origin } from '../../helpers/origins.js';
import { clientHello, maskSide, raw, rdpRequest, runSide, tlsClient, type SideRecord, type Step } from '../../integration/tcp/l4-helpers.js';
import { encodeRdpCookie } from '../../../src/tcp/rdp-persist.js';

/** The client shuts its side once done: the origin then closes, which ends the exchange without an idle wait. */
const HC = { halfClose: true } as const;

const DEFAULTS = `defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
`;

async function compare(config: string, origins: Record<string, Origin>, steps: readonly Step[]): Promise<{ ref: SideRecord; got: SideRecord }> {
  try {
    const ref = await runSide('haproxy', config, origins, steps);
    const got = await runSide('switchyard', config, origins, steps);
    const a = maskSide(ref);
    const b = maskSide(got);
    assert.deepEqual(b, a, `switchyard differs from haproxy\n--- haproxy output ---\n${ref.output}\n--- switchyard output ---\n${got.output}`);
    return { ref, got };
  } finally {
    for (const o of Object.values(origins)) await o.close();
  }
}

test('seed 004: layer-4 SNI router (s_client -servername, raw hellos, garbage)', async () => {
  const origins = {
    t1: await tlsOrigin({ name: 't1', cert: 'rsa', http: false }),
    t2: await tlsOrigin({ name: 't2', cert: 'ecdsa', http: false }),
  };
  const config = `${DEFAULTS}
frontend www-tls
  mode tcp
  option tcplog
  bind \${ADDR:fe}
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend %[req_ssl_sni,lower,word(1,:)]_tls

backend test1.example.com_tls
  mode tcp
  server test1_tls \${ORIGIN:t1}
backend test2.example.com_tls
  mode tcp
  server test2_tls \${ORIGIN:t2}
`;
  const { got } = await compare(config, origins, [
    tlsClient('fe', { servername: 'test1.example.com', input: 'one\n' }),
    tlsClient('fe', { servername: 'TEST2.Example.COM', input: 'two\n' }),
    tlsClient('fe', { input: 'none\n' }),
    tlsClient('fe', { servername: 'unknown.example.com', input: 'x\n' }),
    // a hello split in two records' worth of pieces: the rules wait for the rest
    raw('fe', [clientHello({ sni: 'test2.example.com' }).subarray(0, 20), clientHello({ sni: 'test2.example.com' }).subarray(20)], { pauseMs: 100 }),
    raw('fe', 'GET / HTTP/1.0\r\n\r\n'),
    // larger than the inspection buffer: decided on a full buffer
    raw('fe', clientHello({ sni: 'test1.example.com', padTo: 40000 })),
  ]);
  // Not only the same as haproxy: the expected routing.
  assert.deepEqual(got.origins['t1']!.sni, ['test1.example.com']);
  assert.deepEqual(got.origins['t2']!.sni, ['TEST2.Example.COM']);
  assert.deepEqual((got.clients as { handshake?: boolean }[]).slice(0, 4).map((c) => c.handshake), [true, true, false, false]);
});

test('seed 001: TLS passthrough frontend to an HTTPS origin', async () => {
  const origins = { web: await tlsOrigin({ name: 'web', cert: 'rsa' }) };
  const config = `${DEFAULTS}
frontend https_passthrough
  bind \${ADDR:fe}
  option tcplog
  mode tcp
  default_backend apache01

backend apache01
  mode tcp
  option ssl-hello-chk
  server apache01.lan \${ORIGIN:web}
`;
  const { got } = await compare(config, origins, [
    tlsClient('fe', { servername: 'www.example.org', input: 'GET / HTTP/1.0\r\nHost: www.example.org\r\n\r\n', waitForClose: true }),
    tlsClient('fe', { input: 'GET /two HTTP/1.0\r\n\r\n', waitForClose: true }),
  ]);
  assert.deepEqual(got.origins['web']!.sni, ['www.example.org', false]);
  assert.match(got.origins['web']!.received[1] ?? '', /^GET \/two HTTP\/1.0\r\n/);
});

test('seed 002: RDP broker routing (persist rdp-cookie, leastconn)', async () => {
  const origins = {
    s1: await tcpOrigin({ name: 's1', echo: false }),
    s2: await tcpOrigin({ name: 's2', echo: false }),
  };
  const config = `${DEFAULTS}
frontend ft_rdp
  mode tcp
  bind \${ADDR:rdp} name rdp
  timeout client 1h
  option tcplog
  tcp-request inspect-delay 2s
  tcp-request content accept if RDP_COOKIE
  default_backend bk_rdp

backend bk_rdp
  mode tcp
  balance leastconn
  persist rdp-cookie
  timeout server 1h
  timeout connect 4s
  option tcplog
  server srv01 \${ORIGIN:s1} weight 10
  server srv02 \${ORIGIN:s2} weight 10
`;
  const [h, p1] = origins.s1.addr.split(':');
  const p2 = origins.s2.addr.split(':')[1];
  const toS2 = encodeRdpCookie(h!, Number(p2));
  const toS1 = encodeRdpCookie(h!, Number(p1));
  const { got } = await compare(config, origins, [
    raw('rdp', rdpRequest(`msts=${toS2}`), HC),
    raw('rdp', rdpRequest(`msts=${toS1}`), HC),
    raw('rdp', rdpRequest(`msts=${toS2}`), HC),
    raw('rdp', rdpRequest('msts=16777343.1.0000'), HC),
    raw('rdp', rdpRequest('mstshash=alice'), HC),
    // the cookie line arrives in two pieces: RDP_COOKIE waits for the end of it
    raw('rdp', [rdpRequest(`msts=${toS2}`).subarray(0, 25), rdpRequest(`msts=${toS2}`).subarray(25)], { pauseMs: 100, halfClose: true }),
  ]);
  assert.equal(got.origins['s2']!.received.filter((b) => b.includes(`msts=${toS2}`)).length, 3);
  assert.equal(got.origins['s1']!.received.filter((b) => b.includes(`msts=${toS1}`)).length, 1);
});

test('seed 002: RDP without a broker (balance rdp-cookie hashes mstshash)', async () => {
  const origins = {
    s1: await tcpOrigin({ name: 's1', echo: false }),
    s2: await tcpOrigin({ name: 's2', echo: false }),
    s3: await tcpOrigin({ name: 's3', echo: false }),
  };
  const config = `${DEFAULTS}
frontend ft_rdp
  mode tcp
  bind \${ADDR:rdp} name rdp
  tcp-request inspect-delay 2s
  tcp-request content accept if RDP_COOKIE
  default_backend bk_rdp

backend bk_rdp
  mode tcp
  balance rdp-cookie
  server srv01 \${ORIGIN:s1}
  server srv02 \${ORIGIN:s2}
  server srv03 \${ORIGIN:s3}
`;
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'alice', 'bob'];
  await compare(config, origins, users.map((u) => raw('rdp', rdpRequest(`mstshash=${u}`), HC)));
});

test('seed 002: ECC/RSA relay over unix sockets with send-proxy-v2 and accept-proxy (raw hellos)', async () => {
  const origins = {
    ecc: await tcpOrigin({ name: 'ecc', echo: false }),
    rsa: await tcpOrigin({ name: 'rsa', echo: false }),
  };
  const config = `${DEFAULTS}
frontend ssl-relay
  mode tcp
  bind \${ADDR:relay}
  tcp-request inspect-delay 5s
  tcp-request content accept if { req.ssl_hello_type 1 }
  use_backend ssl-ecc if { req.ssl_ec_ext 1 }
  default_backend ssl-rsa

backend ssl-ecc
  mode tcp
  server ecc unix@\${SOCKDIR}/haproxy_ssl_ecc.sock send-proxy-v2

backend ssl-rsa
  mode tcp
  server rsa unix@\${SOCKDIR}/haproxy_ssl_rsa.sock send-proxy-v2

listen ecc-terminator
  mode tcp
  bind unix@\${SOCKDIR}/haproxy_ssl_ecc.sock accept-proxy
  server o \${ORIGIN:ecc} send-proxy

listen rsa-terminator
  mode tcp
  bind unix@\${SOCKDIR}/haproxy_ssl_rsa.sock accept-proxy
  server o \${ORIGIN:rsa} send-proxy
`;
  const { got } = await compare(config, origins, [
    raw('relay', clientHello({ sni: 'www.example.com', ec: true }), HC),
    raw('relay', clientHello({ sni: 'www.example.com' }), HC),
    raw('relay', clientHello({ ec: true }), HC),
    raw('relay', 'not a hello', HC),
  ]);
  // Each terminator saw the client's own address through the chain.
  assert.equal(got.origins['ecc']!.received.length, 2);
  assert.equal(got.origins['rsa']!.received.length, 2);
  for (const b of [...got.origins['ecc']!.received, ...got.origins['rsa']!.received]) assert.match(b, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\n/);
});

test('seed 002: ECC/RSA relay with s_client reaches the ECDSA or the RSA endpoint', async () => {
  const origins = {
    ecc: await tlsOrigin({ name: 'ecc', cert: 'ecdsa', http: false }),
    rsa: await tlsOrigin({ name: 'rsa', cert: 'rsa', http: false }),
  };
  const config = `${DEFAULTS}
frontend ssl-relay
  mode tcp
  bind \${ADDR:relay}
  tcp-request inspect-delay 5s
  tcp-request content accept if { req.ssl_hello_type 1 }
  use_backend ssl-ecc if { req.ssl_ec_ext 1 }
  default_backend ssl-rsa

backend ssl-ecc
  mode tcp
  server ecc unix@\${SOCKDIR}/haproxy_ssl_ecc.sock send-proxy-v2

backend ssl-rsa
  mode tcp
  server rsa unix@\${SOCKDIR}/haproxy_ssl_rsa.sock send-proxy-v2

listen all-ssl-ecc
  mode tcp
  bind unix@\${SOCKDIR}/haproxy_ssl_ecc.sock accept-proxy
  server o \${ORIGIN:ecc}

listen all-ssl-rsa
  mode tcp
  bind unix@\${SOCKDIR}/haproxy_ssl_rsa.sock accept-proxy
  server o \${ORIGIN:rsa}
`;
  const { got } = await compare(config, origins, [
    tlsClient('relay', { servername: 'www.example.com', input: 'modern\n' }),
    // TLS 1.2 with an RSA-only cipher: OpenSSL sends no supported_groups extension
    tlsClient('relay', { servername: 'www.example.com', input: 'legacy\n', extraArgs: ['-tls1_2', '-cipher', 'AES256-GCM-SHA384'] }),
  ]);
  assert.deepEqual(got.clients, [{ handshake: true, key: 'ECDSA' }, { handshake: true, key: 'RSA' }]);
  assert.deepEqual(got.origins['ecc']!.received, ['modern\n']);
  assert.deepEqual(got.origins['rsa']!.received, ['legacy\n']);
});
