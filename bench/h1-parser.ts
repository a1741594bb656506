/**
 * HTTP/1 parser micro-benchmark: N pipelined requests in one Buffer, parsed
 * by one H1Parser (pausing at nothing), reported as requests per second of
 * parsing alone. Also: parse + writeHead (what a proxy does per request).
 *
 *   node dist/bench/h1-parser.js [--n 200000] [--rounds 5]
 *
 * Scenarios: a curl-like GET (3 fields), a browser-like GET (12 fields), a
 * POST with a 64-byte Content-Length body, a chunked POST with 2 chunks.
 */
import { H1Parser } from '../src/http/h1-parser.js';
import { writeHead } from '../src/http/h1-writer.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : def;
}

const SCENARIOS: Record<string, string> = {
  'curl GET': 'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n',
  'browser GET':
    'GET /static/app.js?v=12345 HTTP/1.1\r\nHost: www.example.com\r\nConnection: keep-alive\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n' +
    'Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\nReferer: https://www.example.com/\r\n' +
    'Cookie: session=abcdef0123456789; theme=dark; _ga=GA1.2.123456789.1700000000\r\nSec-Fetch-Dest: script\r\n' +
    'Sec-Fetch-Mode: no-cors\r\nSec-Fetch-Site: same-origin\r\nCache-Control: no-cache\r\n\r\n',
  'POST 64B': `POST /api/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n${'x'.repeat(64)}`,
  'chunked POST': 'POST /upload HTTP/1.1\r\nHost: api.example.com\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n8;ext=1\r\n01234567\r\n0\r\n\r\n',
};

function bench(name: string, one: string, n: number, rounds: number, write: boolean): void {
  const buf = Buffer.from(one.repeat(n), 'latin1');
  let heads = 0;
  let bytes = 0;
  const p = new H1Parser(
    { kind: 'request' },
    {
      onHead(h) {
        heads++;
        if (write) bytes += writeHead(h).length;
      },
      onData(_b, s, e) {
        bytes += e - s;
      },
      onTrailers() {},
      onEnd() {},
    },
  );
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    heads = 0;
    const t0 = process.hrtime.bigint();
    const used = p.feed(buf, 0, buf.length);
    const ns = Number(process.hrtime.bigint() - t0);
    if (used !== buf.length || heads !== n) throw new Error(`${name}: parsed ${heads}/${n}, consumed ${used}/${buf.length} (${p.error?.code ?? ''})`);
    if (r > 0) rates.push((n / ns) * 1e9); // round 0 warms the JIT
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  const mbps = (median * one.length) / 1e6;
  console.log(`${(name + (write ? ' + writeHead' : '')).padEnd(30)} ${(median / 1e6).toFixed(2).padStart(6)} M req/s  ${mbps.toFixed(0).padStart(5)} MB/s  (${one.length} B/request)`);
  void bytes;
}

const n = arg('n', 200000);
const rounds = arg('rounds', 5);
console.log(`node ${process.version}, ${n} pipelined requests per round, median of ${rounds} rounds`);
for (const [name, one] of Object.entries(SCENARIOS)) bench(name, one, n, rounds, false);
for (const [name, one] of Object.entries(SCENARIOS)) bench(name, one, n, rounds, true);
