/**
 * The configurations of the bind/server differential test. `${DIR}` is a
 * scratch directory holding the certificate files written by prepareFiles().
 * Every case sets the three timeouts so haproxy adds no unrelated warning.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CompatCase {
  readonly name: string;
  readonly config: string;
  /** False when a warning of another subsystem cannot be avoided. */
  readonly compareWarnings?: boolean;
}

const T = 'defaults\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n';

const fe = (lines: string): string => `${T}frontend fe\n${lines}\n`;
const be = (lines: string): string => `${T}backend be\n${lines}\n`;

/** Writes a self-signed certificate, its key, a combined PEM, garbage, and ticket keys. */
export function prepareFiles(dir: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '30', '-subj', '/CN=localhost',
  ], { stdio: 'ignore' });
  const cert = execFileSync('cat', [join(dir, 'cert.pem')]);
  const key = execFileSync('cat', [join(dir, 'key.pem')]);
  writeFileSync(join(dir, 'both.pem'), Buffer.concat([cert, key]));
  writeFileSync(join(dir, 'certonly.pem'), cert);
  writeFileSync(join(dir, 'split.pem'), cert);
  writeFileSync(join(dir, 'split.pem.key'), key);
  writeFileSync(join(dir, 'garbage.pem'), 'garbage\n');
  const k48 = (n: number): string => Buffer.alloc(48, n).toString('base64');
  writeFileSync(join(dir, 'tickets'), `${k48(1)}\n${k48(2)}\n${k48(3)}\n`);
  writeFileSync(join(dir, 'tickets2'), `${k48(1)}\n${k48(2)}\n`);
  writeFileSync(join(dir, 'tickets-bad'), 'YWJj\n');
  writeFileSync(join(dir, 'list.crtlist'), `${join(dir, 'both.pem')}\n`);
}

export const CASES: readonly CompatCase[] = [
  // ---- bind: valid lines ----
  { name: 'bind: plain addresses and options', config: fe('  bind :80\n  bind 127.0.0.1:81,[::1]:82 name web id 7 maxconn 10 backlog 5 nice 3\n  bind :83-85 accept-proxy defer-accept tfo transparent v4v6\n  bind ipv6@:::86 v6only\n  bind *:87 interface lo mss 1400 tcp-ut 5s thread 1 shards 2') },
  { name: 'bind: unix and abns sockets with ownership', config: fe('  bind /tmp/sy-compat.sock mode 600 uid 0 gid 0 user root group root\n  bind unix@/tmp/sy-compat2.sock\n  bind abns@sy-compat') },
  { name: 'bind: stats-socket options on a frontend', config: fe('  bind :80 level admin expose-fd listeners severity-output number') },
  { name: 'bind: ssl with crt and options', config: fe('  bind :443 ssl crt ${DIR}/both.pem alpn h2,http/1.1 npn h2 ciphers HIGH ciphersuites TLS_AES_128_GCM_SHA256 curves X25519:P-256 ecdhe prime256v1 ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 strict-sni no-tls-tickets prefer-client-ciphers no-ca-names allow-0rtt') },
  { name: 'bind: crt with key beside it, ca-file and verify', config: fe('  bind :443 ssl crt ${DIR}/split.pem ca-file ${DIR}/cert.pem verify required crl-file ${DIR}/cert.pem ca-verify-file ${DIR}/cert.pem ca-ignore-err all crt-ignore-err 10,12') },
  { name: 'bind: crt-list, ticket keys, generated certificates', config: fe('  bind :443 ssl crt-list ${DIR}/list.crtlist tls-ticket-keys ${DIR}/tickets generate-certificates ca-sign-file ${DIR}/both.pem ca-sign-pass x') },
  { name: 'bind: force-tlsv12 and process', config: fe('  bind :443 ssl crt ${DIR}/both.pem force-tlsv12\n  bind :80 process 1') },
  { name: 'bind: accept-netscaler-cip and proto', config: fe('  mode http\n  bind :80 accept-netscaler-cip 1234 proto h2') },
  // ---- bind: errors ----
  { name: 'bind in defaults', config: `${T}  bind :80\nfrontend fe\n  bind :81\n` },
  { name: 'bind without address', config: fe('  bind') },
  { name: 'bind unknown option with suggestion', config: fe('  bind :80 accept-prox') },
  { name: 'bind unknown option without suggestion', config: fe('  bind :80 chek') },
  { name: 'bind QUIC option unknown in this build', config: fe('  bind :80 quic-force-retry') },
  { name: 'bind port 0', config: fe('  bind :0') },
  { name: 'bind port too big', config: fe('  bind :99999') },
  { name: 'bind missing port', config: fe('  bind 1.2.3.4') },
  { name: 'bind missing port in brackets', config: fe('  bind [::1]') },
  { name: 'bind unknown prefix', config: fe('  bind foo@:80') },
  { name: 'bind unresolvable host', config: fe('  bind nohost.invalid:80') },
  { name: 'bind reversed range', config: fe('  bind :80-70') },
  { name: 'bind bad port character', config: fe('  bind :x80') },
  { name: 'bind empty address in list', config: fe('  bind ,:80') },
  { name: 'bind datagram address', config: fe('  bind udp@:80') },
  { name: 'bind quic address', config: fe('  bind quic4@:443') },
  { name: 'bind fd not a number', config: fe('  bind fd@x') },
  { name: 'bind fd not open', config: fe('  bind fd@99') },
  { name: 'bind port offset', config: fe('  bind :+5') },
  { name: 'bind ipv4@ with ipv6 literal', config: fe('  bind ipv4@::1:80') },
  { name: 'bind unix path too long', config: fe(`  bind unix@/tmp/${'a'.repeat(98)}`) },
  { name: 'bind lenient ports', config: fe('  bind :80x\n  bind :81-90x\n  bind 1.2.3:91') },
  { name: 'bind in backend warns', config: be('  bind :80') },
  { name: 'bind maxconn missing', config: fe('  bind :80 maxconn') },
  { name: 'bind maxconn negative', config: fe('  bind :80 maxconn -1') },
  { name: 'bind backlog negative', config: fe('  bind :80 backlog -5') },
  { name: 'bind id not a number', config: fe('  bind :80 id 5x') },
  { name: 'bind id zero', config: fe('  bind :80 id 0') },
  { name: 'bind id duplicate', config: fe('  bind :80 id 3\n  bind :81 id 3') },
  { name: 'bind id twice on a line', config: fe('  bind :80 id 6 id 7') },
  { name: 'bind id on several sockets', config: fe('  bind :80,:81 id 4') },
  { name: 'bind nice out of range', config: fe('  bind :80 nice 2000') },
  { name: 'bind netscaler zero', config: fe('  bind :80 accept-netscaler-cip x') },
  { name: 'bind process out of range', config: fe('  bind :80 process 2') },
  { name: 'bind process not a number', config: fe('  bind :80 process x') },
  { name: 'bind process deprecated with thread', config: fe('  bind :80 process 1/1') },
  { name: 'bind thread out of range', config: fe('  bind :80 thread 65') },
  { name: 'bind thread group', config: fe('  bind :80 thread 2/1') },
  { name: 'bind thread missing', config: fe('  bind :80 thread') },
  { name: 'bind shards invalid', config: fe('  bind :80 shards x') },
  { name: 'bind unknown mux', config: fe('  bind :80 proto foo') },
  { name: 'bind mux not usable in tcp mode', config: fe('  bind :80 proto h2') },
  { name: 'bind mode not octal', config: fe('  bind /tmp/sy.sock mode 999') },
  { name: 'bind unknown user', config: fe('  bind /tmp/sy.sock user nosuchuser-sy') },
  { name: 'bind unknown group', config: fe('  bind /tmp/sy.sock group nosuchgroup-sy') },
  { name: 'bind mss out of range', config: fe('  bind :80 mss 0') },
  { name: 'bind tcp-ut invalid', config: fe('  bind :80 tcp-ut x') },
  { name: 'bind namespace missing', config: fe('  bind :80 namespace sy-nonexistent') },
  { name: 'bind level invalid', config: fe('  bind :80 level foo') },
  { name: 'bind expose-fd invalid', config: fe('  bind :80 expose-fd foo') },
  { name: 'bind severity-output invalid', config: fe('  bind :80 severity-output foo') },
  { name: 'bind verify invalid', config: fe('  bind :443 ssl crt ${DIR}/both.pem verify foo') },
  { name: 'bind ssl version invalid', config: fe('  bind :443 ssl crt ${DIR}/both.pem ssl-min-ver foo') },
  { name: 'bind alpn missing', config: fe('  bind :443 alpn') },
  { name: 'bind ca-ignore-err out of range', config: fe('  bind :443 ssl crt ${DIR}/both.pem ca-ignore-err 1,200') },
  { name: 'bind crt missing file', config: fe('  bind :443 ssl crt ${DIR}/nonexist.pem') },
  { name: 'bind crt not a certificate', config: fe('  bind :443 ssl crt ${DIR}/garbage.pem') },
  { name: 'bind crt without key', config: fe('  bind :443 ssl crt ${DIR}/certonly.pem') },
  { name: 'bind crt-list missing', config: fe('  bind :443 ssl crt-list ${DIR}/nonexist.lst') },
  { name: 'bind ca-file missing', config: fe('  bind :443 ssl crt ${DIR}/both.pem ca-file ${DIR}/nonexist.pem') },
  { name: 'bind ca-file without certificates', config: fe('  bind :443 ssl crt ${DIR}/both.pem ca-file ${DIR}/garbage.pem') },
  { name: 'bind crl-file missing', config: fe('  bind :443 ssl crt ${DIR}/both.pem crl-file ${DIR}/nonexist.pem') },
  { name: 'bind tls-ticket-keys missing file', config: fe('  bind :443 ssl crt ${DIR}/both.pem tls-ticket-keys ${DIR}/nonexist') },
  { name: 'bind tls-ticket-keys bad key', config: fe('  bind :443 ssl crt ${DIR}/both.pem tls-ticket-keys ${DIR}/tickets-bad') },
  { name: 'bind tls-ticket-keys too few', config: fe('  bind :443 ssl crt ${DIR}/both.pem tls-ticket-keys ${DIR}/tickets2') },
  { name: 'bind ssl without certificate', config: fe('  bind :443 ssl') },
  { name: 'bind verify without CA', config: fe('  bind :443 ssl crt ${DIR}/both.pem verify required') },
  { name: 'bind bad ciphers', config: fe('  bind :443 ssl crt ${DIR}/both.pem ciphers FOO') },
  { name: 'bind bad curves', config: fe('  bind :443 ssl crt ${DIR}/both.pem curves P-256:FOO') },
  { name: 'bind versions crossed', config: fe('  bind :443 ssl crt ${DIR}/both.pem ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2') },
  { name: 'bind no-tlsv1x with force', config: fe('  bind :443 ssl crt ${DIR}/both.pem force-tlsv12 no-sslv3') },
  { name: 'bind generate-certificates without CA', config: fe('  bind :443 ssl crt ${DIR}/both.pem generate-certificates') },
  // ---- server: valid lines ----
  { name: 'server: addresses', config: be('  server s1 1.2.3.4:80\n  server s2 1.2.3.4\n  server s3 1.2.3.4:+1\n  server s4 [::1]:80\n  server s5 /tmp/x.sock\n  server s6 unix@/tmp/y.sock\n  server s7 abns@z\n  server s8 localhost:80\n  server s9 1.2.3.4:0') },
  { name: 'server: health and balancing options', config: be('  server s1 1.2.3.4:80 check inter 1s fastinter 500 downinter 2s rise 3 fall 2 weight 256 maxconn 10 maxqueue 5 minconn 2 slowstart 10s backup disabled enabled no-backup error-limit 3 observe layer4 on-error mark-down on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions port 8080 addr 127.0.0.1') },
  { name: 'server: agent options', config: be('  server s1 1.2.3.4:80 agent-check agent-port 5555 agent-inter 3s agent-send ping agent-addr 127.0.0.1') },
  { name: 'server: connection options', config: be('  server s1 1.2.3.4:80 send-proxy-v2 proxy-v2-options ssl,cert-cn no-send-proxy-v2 send-proxy no-send-proxy pool-low-conn 2 pool-max-conn -1 pool-purge-delay 1s max-reuse -1 source 1.2.3.4:1000-2000 usesrc clientip interface lo socks4 127.0.0.1:1080 check-via-socks4 tcp-ut 1s ws h1 init-addr last,libc,none resolve-prefer ipv4 resolve-net 10.0.0.0/8 resolve-opts allow-dup-ip stick non-stick no-tfo id 4') },
  { name: 'server: TLS options', config: be('  server s1 1.2.3.4:443 ssl verify none sni str(example.com) alpn h2 npn h2 ciphers HIGH ciphersuites TLS_AES_128_GCM_SHA256 ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 no-ssl-reuse ssl-reuse no-tls-tickets tls-tickets crt ${DIR}/both.pem check-ssl check-sni x check-alpn h2 force-tlsv12 no-sslv3 allow-0rtt verifyhost example.com\n  server s2 1.2.3.4:443 ssl ca-file ${DIR}/cert.pem crl-file ${DIR}/cert.pem verify required no-ssl') },
  { name: 'server: default-server layering and no-* resets', config: be('  default-server check inter 3s weight 10 backup\n  server s1 1.2.3.4:80 no-check no-backup\n  server s2 1.2.3.4:80') },
  { name: 'server: default-server in defaults', config: `${T}  default-server check cookie x redir y track s2 non-stick addr 1.2.3.4\nbackend be\n  server s1 1.2.3.4:80\n` },
  { name: 'server-template', config: be('  server-template s 3 1.2.3.4:80 check\n  server-template t 1-2 1.2.3.4:81 id 9') },
  { name: 'server: track a checked server', config: be('  server s1 1.2.3.4:80 track s2\n  server s2 1.2.3.4:80 check\n  server s3 1.2.3.4:80 track be/s1') },
  { name: 'server: lenient numbers', config: be('  server s1 1.2.3.4:80 weight 1x maxconn x id 5x port 70000') },
  { name: 'server: init-addr none with an unknown host', config: be('  server s1 nohost.invalid:80 init-addr none') },
  { name: 'server: init-addr fallback address', config: be('  server s1 nohost.invalid:80 init-addr libc,5.6.7.8\n  server s2 nohost.invalid:80 init-addr 5.6.7.8') },
  // ---- server: errors ----
  { name: 'server in defaults', config: `${T}  server s1 1.2.3.4:80\nbackend be\n` },
  { name: 'server in a frontend', config: fe('  bind :80\n  server s1 1.2.3.4:80') },
  { name: 'server without arguments', config: be('  server') },
  { name: 'server without address', config: be('  server s1') },
  { name: 'server bad name', config: be('  server s/1 1.2.3.4:80') },
  { name: 'server unknown option with suggestion', config: be('  server s1 1.2.3.4:80 chek') },
  { name: 'server unknown option without suggestion', config: be('  server s1 1.2.3.4:80 zzzz word') },
  { name: 'server no-verifyhost is not 2.6', config: be('  server s1 1.2.3.4:80 no-verifyhost') },
  { name: 'server weight out of range', config: be('  server s1 1.2.3.4:80 weight 257') },
  { name: 'server weight negative', config: be('  server s1 1.2.3.4:80 weight -1') },
  { name: 'server port too big', config: be('  server s1 1.2.3.4:99999') },
  { name: 'server port range', config: be('  server s1 1.2.3.4:80-90') },
  { name: 'server bad port character', config: be('  server s1 1.2.3.4:x80') },
  { name: 'server fd', config: be('  server s1 fd@3') },
  { name: 'server datagram', config: be('  server s1 udp@1.2.3.4:80') },
  { name: 'server unresolvable host', config: be('  server s1 nohost.invalid:80') },
  { name: 'server unknown prefix', config: be('  server s1 foo@1.2.3.4') },
  { name: 'server ipv6@ with an ipv4 literal', config: be('  server s1 ipv6@1.2.3.4:80') },
  { name: 'server init-addr last only', config: be('  server s1 nohost.invalid:80 init-addr last') },
  { name: 'server SRV record without resolvers', config: be('  server s1 _http._tcp.example.com') },
  { name: 'server init-addr unknown', config: be('  server s1 1.2.3.4:80 init-addr foo') },
  { name: 'server duplicate name', config: be('  server s3 1.2.3.4:80\n  server s3 1.2.3.4:81') },
  { name: 'server duplicate id', config: be('  server s1 1.2.3.4:80 id 5\n  server s2 1.2.3.4:80 id 5') },
  { name: 'server id zero', config: be('  server s1 1.2.3.4:80 id 0') },
  { name: 'server track missing server', config: be('  server s1 1.2.3.4:80 track s2') },
  { name: 'server track missing proxy', config: be('  server s1 1.2.3.4:80 track xx/s2') },
  { name: 'server track unchecked', config: be('  server s1 1.2.3.4:80 track s2\n  server s2 1.2.3.4:80') },
  { name: 'server track with slashes', config: be('  server s1 1.2.3.4:80 track a/b/c') },
  { name: 'server track missing argument', config: be('  server s1 1.2.3.4:80 track') },
  { name: 'server resolvers missing', config: be('  server s1 1.2.3.4:80 resolvers foo') },
  { name: 'server check without port', config: be('  server s1 1.2.3.4 check') },
  { name: 'server check with offset only', config: be('  server s1 1.2.3.4:+1 check') },
  { name: 'server agent without port', config: be('  server s1 1.2.3.4:80 agent-check') },
  { name: 'server inter zero', config: be('  server s1 1.2.3.4:80 inter 0') },
  { name: 'server inter bad character', config: be('  server s1 1.2.3.4:80 inter 10x') },
  { name: 'server inter overflow', config: be('  server s1 1.2.3.4:80 inter 3000000000') },
  { name: 'server inter missing', config: be('  server s1 1.2.3.4:80 inter') },
  { name: 'server fall zero', config: be('  server s1 1.2.3.4:80 fall 0') },
  { name: 'server rise missing', config: be('  server s1 1.2.3.4:80 rise') },
  { name: 'server error-limit', config: be('  server s1 1.2.3.4:80 error-limit x') },
  { name: 'server slowstart bad', config: be('  server s1 1.2.3.4:80 slowstart x') },
  { name: 'server slowstart missing', config: be('  server s1 1.2.3.4:80 slowstart') },
  { name: 'server addr unresolvable', config: be('  server s1 1.2.3.4:80 check addr foo.invalid') },
  { name: 'server agent-addr bad', config: be('  server s1 1.2.3.4:80 agent-addr foo.invalid') },
  { name: 'server observe invalid', config: be('  server s1 1.2.3.4:80 observe foo') },
  { name: 'server on-error invalid', config: be('  server s1 1.2.3.4:80 on-error foo') },
  { name: 'server on-marked-down invalid', config: be('  server s1 1.2.3.4:80 on-marked-down') },
  { name: 'server pool-max-conn invalid', config: be('  server s1 1.2.3.4:80 pool-max-conn -2') },
  { name: 'server pool-purge-delay invalid', config: be('  server s1 1.2.3.4:80 pool-purge-delay x') },
  { name: 'server proxy-v2-options invalid', config: be('  server s1 1.2.3.4:80 proxy-v2-options ssl,,foo') },
  { name: 'server proto unknown', config: be('  server s1 1.2.3.4:80 proto foo') },
  { name: 'server proto not usable in tcp', config: be('  server s1 1.2.3.4:80 proto h2') },
  { name: 'server resolve-net invalid', config: be('  server s1 1.2.3.4:80 resolve-net foo') },
  { name: 'server resolve-opts invalid', config: be('  server s1 1.2.3.4:80 resolve-opts foo') },
  { name: 'server resolve-prefer invalid', config: be('  server s1 1.2.3.4:80 resolve-prefer foo') },
  { name: 'server socks4 without port', config: be('  server s1 1.2.3.4:80 socks4 1.2.3.4') },
  { name: 'server socks4 unresolvable', config: be('  server s1 1.2.3.4:80 socks4 foo.invalid:1080') },
  { name: 'server source unresolvable', config: be('  server s1 1.2.3.4:80 source foo.invalid') },
  { name: 'server source missing', config: be('  server s1 1.2.3.4:80 source') },
  { name: 'server usesrc invalid', config: be('  server s1 1.2.3.4:80 source 1.2.3.4 usesrc foo') },
  { name: 'server usesrc alone', config: be('  server s1 1.2.3.4:80 usesrc') },
  { name: 'server ws invalid', config: be('  server s1 1.2.3.4:80 ws foo') },
  { name: 'server log-proto invalid', config: be('  server s1 1.2.3.4:80 log-proto foo') },
  { name: 'server namespace missing', config: be('  server s1 1.2.3.4:80 namespace sy-nonexistent') },
  { name: 'server verify invalid', config: be('  server s1 1.2.3.4:80 verify foo') },
  { name: 'server ssl without CA', config: be('  server s1 1.2.3.4:80 ssl') },
  { name: 'server ssl crt missing', config: be('  server s1 1.2.3.4:80 ssl verify none crt ${DIR}/nonexist') },
  { name: 'server ssl bad ciphers', config: be('  server s1 1.2.3.4:80 ssl verify none ciphers FOO') },
  { name: 'server ssl versions crossed', config: be('  server s1 1.2.3.4:80 ssl verify none ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2') },
  { name: 'server ca-file missing', config: be('  server s1 1.2.3.4:80 ca-file ${DIR}/nonexist verify required') },
  { name: 'server sni bad expression', config: be('  server s1 1.2.3.4:80 sni foo(') },
  { name: 'server cookie and redir in tcp mode', config: be('  server s1 1.2.3.4:80 cookie x\n  server s2 1.2.3.4:80 redir x') },
  { name: 'server tfo without retry-on', config: be('  server s1 1.2.3.4:80 tfo') },
  { name: 'server-template arguments missing', config: be('  server-template s 3') },
  { name: 'server-template bad range', config: be('  server-template s 3-1 1.2.3.4:80') },
  { name: 'server-template zero', config: be('  server-template s 0 1.2.3.4:80') },
  { name: 'server-template unknown option', config: be('  server-template s 2 1.2.3.4:80 chek') },
  { name: 'server-template unresolvable', config: be('  server-template s 2 nohost.invalid:80') },
  { name: 'server-template name clash', config: be('  server-template s 3 1.2.3.4:80\n  server s1 1.2.3.4:80') },
  { name: 'default-server unknown option', config: be('  default-server chek') },
  { name: 'default-server with an address', config: be('  default-server 1.2.3.4') },
  { name: 'default-server weight out of range', config: be('  default-server weight 300') },
];
