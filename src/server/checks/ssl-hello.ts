/**
 * `option ssl-hello-chk` (configuration.txt §4.2): send an SSLv3 CLIENT HELLO
 * and expect a TLS record back, handshake (0x16) or alert (0x15), as haproxy
 * 2.6 does (tcpcheck.c proxy_parse_ssl_hello_chk_opt()):
 *
 *   tcp-check send-binary-lf <hello with the current time>
 *   tcp-check expect rbinary "^1[56]" min-recv 5 ok-status L6OK error-status L6RSP tout-status L6TOUT
 *
 * The 126 bytes were captured from haproxy 2.6 with a recording server:
 * record header 16 0300 0079, handshake 01 000075, version 0300, 4 bytes of
 * time(), "HAPROXYSSLCHK\nHAPROXYSSLCHK\n" as the random, no session id,
 * 39 cipher suites (0x0001-0x001B, 0x002F-0x003A), null compression.
 * Results: "Layer6 check passed", "Layer6 invalid response", "Layer6 timeout".
 */
import { tcpExpect, type Ruleset } from './rules.js';
import { linkExpectHeads, withImplicitConnect } from './tcp-check.js';

/** Record header 16 0300 0079, handshake header 01 000075, client version 0300. */
const HELLO_HEAD = Buffer.from('1603000079010000750300', 'hex');
const RANDOM = Buffer.from('HAPROXYSSLCHK\nHAPROXYSSLCHK\n', 'latin1');

function ciphers(): Buffer {
  const list: number[] = [];
  for (let c = 0x0001; c <= 0x001b; c++) list.push(c);
  for (let c = 0x002f; c <= 0x003a; c++) list.push(c);
  const b = Buffer.alloc(2 + list.length * 2);
  b.writeUInt16BE(list.length * 2, 0);
  list.forEach((c, i) => b.writeUInt16BE(c, 2 + i * 2));
  return b;
}

const CIPHERS = ciphers();

/** The CLIENT HELLO haproxy sends, with `now` (seconds since the epoch) as gmt_unix_time. */
export function sslv3ClientHello(nowSeconds: number = Math.floor(Date.now() / 1000)): Buffer {
  const time = Buffer.alloc(4);
  time.writeUInt32BE(nowSeconds >>> 0);
  return Buffer.concat([
    HELLO_HEAD,
    time,
    RANDOM,
    Buffer.from('00', 'hex'), // session id length
    CIPHERS,
    Buffer.from('0100', 'hex'), // one compression method: null
  ]);
}

/** The ssl-hello-chk rule set. */
export function sslHelloRuleset(): Ruleset {
  const rules = withImplicitConnect([
    { action: 'send', index: 0, http: false, data: () => sslv3ClientHello() },
    tcpExpect(1, 'rbinary', '^1[56]', false, { minRecv: 5, okStatus: 'L6OK', errStatus: 'L6RSP', toutStatus: 'L6TOUT' }),
  ]);
  linkExpectHeads(rules);
  return { kind: 'ssl3', rules, vars: new Map() };
}
