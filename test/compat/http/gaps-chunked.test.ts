/**
 * Bad chunked framing in requests and responses, with the framing error in
 * the read that brought the head or in a later one, through haproxy 2.6
 * and Switchyard (issue 6 audit gaps 1 and 2): what each client got and
 * the log lines (what the origin received for a request refused with its
 * head is compared in audit-protocol.test.ts).
 *
 * haproxy's H1 mux parses a message's body bytes that arrived with its head
 * before the stream sees the head (mux_h1.c h1_process_demux()): a bad chunk
 * size there is the mux's own 400 for a request (a `<BADREQ>` line, nothing
 * forwarded), a 502 for a response (`PH`, %B = the page); a later read fails
 * while the message is forwarded: request `PD` after the response started,
 * else the stream's 400 (`PH`); response `SD`, the client connection cut.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
global
  log stdout format raw local0
defaults
  mode http
  log global
  log-format "LOG %ft %b/%s %ST %B %ts %{+Q}r"
  timeout connect 1s
  timeout client 1s
  timeout server 1s
  timeout http-request 1s
frontend fe
  bind \${ADDR:fe}
  default_backend be
backend be
  server s1 \${STAGED}
`;

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
/** Response pieces per request path, written with a pause between them. */
const STAGES: Record<string, string[]> = {
  '/r-with-head': [`${HEAD}zz\r\nok\r\n0\r\n\r\n`],
  '/r-later': [HEAD, 'zz\r\nok\r\n0\r\n\r\n'],
  '/r-good-then-bad-later': [`${HEAD}2\r\nok\r\n`, 'zz\r\nok\r\n0\r\n\r\n'],
  '/r-good-then-bad-with-head': [`${HEAD}2\r\nok\r\nzz\r\nok\r\n0\r\n\r\n`],
  '/r-bad-crlf-with-head': [`${HEAD}2\r\nokXY\r\n0\r\n\r\n`],
  '/r-good': [`${HEAD}2\r\nok\r\n`, '0\r\n\r\n'],
  // No answer: the request's later bad chunk comes before any response.
  '/q-hold': [],
};

/**
 * An origin that answers each GET with the pieces of STAGES (100 ms apart)
 * and records what it received per connection (the http origin writes a
 * reply in one piece).
 */
class StagedOrigin {
  readonly received: Buffer[][] = [];
  private readonly server = net.createServer({ allowHalfOpen: true }, (s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  private accept(s: net.Socket): void {
    const rec: Buffer[] = [];
    this.received.push(rec);
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    s.on('end', () => s.end());
    let pending = '';
    s.on('data', (d: Buffer) => {
      rec.push(d);
      pending += d.toString('latin1');
      for (let i = pending.indexOf('\r\n\r\n'); i >= 0; i = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, i);
        pending = pending.slice(i + 4);
        const target = head.split(' ')[1] ?? '/';
        void this.answer(s, STAGES[target] ?? [`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`]);
      }
    });
  }
  private async answer(s: net.Socket, pieces: string[]): Promise<void> {
    for (const [i, p] of pieces.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      if (!s.destroyed) s.write(p);
    }
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const C = 'Connection: close\r\n';
const G = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${C}\r\n`;
const P = (path: string): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`;
const ex = (name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange => ({ listener: 'fe', name, send, pauseMs: 150, ...more });

const EXCHANGES: Exchange[] = [
  // requests
  ex('request: bad chunk size with the head', P('/q1') + 'zz\r\nabc\r\n0\r\n\r\n'),
  ex('request: bad chunk size in a later read', [P('/q2'), 'zz\r\nabc\r\n0\r\n\r\n']),
  ex('request: good chunk with the head, bad size later', [`${P('/q3')}3\r\nabc\r\n`, 'zz\r\nabc\r\n0\r\n\r\n']),
  ex('request: good chunk then bad size, all with the head', `${P('/q4')}3\r\nabc\r\nzz\r\n0\r\n\r\n`),
  ex('request: chunk data not followed by CRLF, with the head', `${P('/q5')}3\r\nabcXY\r\n0\r\n\r\n`),
  ex('request: second request of a connection, bad size with its head', [`GET /first HTTP/1.1\r\nHost: x\r\n\r\n`, `${P('/q6')}zz\r\n0\r\n\r\n`]),
  ex('request: bad chunk size in a later read, no response yet', [P('/q-hold'), 'zz\r\nabc\r\n0\r\n\r\n']),
  // responses
  ex('response: bad chunk size with the head', G('/r-with-head')),
  ex('response: bad chunk size in a later read', G('/r-later')),
  ex('response: good chunk with the head, bad size later', G('/r-good-then-bad-later')),
  ex('response: good chunk then bad size, all with the head', G('/r-good-then-bad-with-head')),
  ex('response: chunk data not followed by CRLF, with the head', G('/r-bad-crlf-with-head')),
  ex('response: good chunked response in two reads', G('/r-good')),
];

const logLines = (o: string): string[] => o.split('\n').filter((l) => l.startsWith('LOG ')).sort();

describe('bad chunked framing with the head and later: haproxy 2.6 and Switchyard', { skip }, () => {
  const origin = new StagedOrigin();
  let result: DifferentialResult | undefined;
  before(async () => {
    await origin.listen();
    result = await differential({ config: CONFIG, vars: { STAGED: `127.0.0.1:${origin.port}` }, exchanges: EXCHANGES, settleMs: 200 });
  });
  after(async () => {
    await origin.close();
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name!, () => {
      assert.ok(result !== undefined);
      const { ref, got } = comparableViews(result);
      assert.deepEqual(got.clients[i], ref.clients[i]);
    });
  }
  it('the same log lines', () => {
    assert.ok(result !== undefined);
    assert.deepEqual(logLines(result.against.output), logLines(result.reference.output));
  });
});
