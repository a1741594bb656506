/**
 * The 1.5 directives (reqadd, reqirep, reqrep, reqdel, reqideny, rspadd,
 * rspidel, rsprep, block) run by Switchyard must behave like the modern line
 * its warning prints (docs/legacy-directives.md). haproxy 2.6 refuses the
 * 1.5 lines, so the reference is haproxy running the modern translation:
 * the same client bytes go through both, and the clients and the origin
 * must see the same bytes (Date/Server and ports masked).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { comparable, type SideResult } from '../../helpers/differential.js';
import { httpOrigin, type HttpOrigin } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const HEAD = `defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
`;
const TAIL = `  default_backend web
backend web
  server s1 \${ORIGIN}
`;

/** Each 1.5 line, and the modern line our warning names (or the closest one for 1.5-only semantics). */
const PAIRS: ReadonlyArray<readonly [legacy: string, modern: string]> = [
  ['reqadd X-Forwarded-Proto:\\ https', 'http-request add-header X-Forwarded-Proto https'],
  ['reqirep ^Host:\\ (.*)\\.old\\.com Host:\\ \\1.new.com', 'http-request replace-header Host "(?i)^(.*)\\\\.old\\\\.com" "\\\\1.new.com"'],
  // The request line: no modern rule is named; replace-uri is the same here.
  ['reqrep ^([^\\ :]*)\\ /static/(.*) \\1\\ /assets/\\2', 'http-request replace-uri ^/static/(.*) /assets/\\1'],
  ['reqdel ^X-Secret:', 'http-request del-header X-Secret'],
  ['reqideny ^User-Agent:\\ .*evil', 'http-request deny if { req.fhdr(User-Agent) -m reg -i ^.*evil }'],
  ['rspadd X-Frame-Options:\\ DENY', 'http-response add-header X-Frame-Options DENY'],
  ['rspidel ^X-Powered-By:', 'http-response del-header X-Powered-By'],
  ['rsprep ^HTTP/1.1\\ 200\\ OK HTTP/1.1\\ 200\\ Fine', 'http-response set-status 200 reason Fine'],
  ['block if { path /blocked }', 'http-request deny if { path /blocked }'],
];

const REQUESTS = [
  'GET /static/img.png HTTP/1.1\r\nHost: www.old.com\r\nX-Secret: s\r\nConnection: close\r\n\r\n',
  'GET /plain HTTP/1.1\r\nHost: a.example.com\r\nUser-Agent: curl\r\nConnection: close\r\n\r\n',
  'GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: Very-EVIL-bot\r\nConnection: close\r\n\r\n',
  'GET /blocked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
];

async function run(kind: ProxyKind, rules: string, origin: HttpOrigin): Promise<SideResult> {
  origin.reset();
  const config = HEAD + rules + TAIL;
  const proxy = await startProxy(kind, config, { vars: { ORIGIN: origin.addr } });
  const exchanges = [];
  try {
    for (const [i, send] of REQUESTS.entries()) {
      const r = await rawExchange(proxy.ports['fe']!, send, { idleMs: 300 });
      exchanges.push({ name: `#${i}`, response: r.data, ended: r.ended });
    }
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await proxy.stop();
  }
  return { kind, ports: proxy.ports, exchanges, origins: { web: [...origin.received] }, output: proxy.output() };
}

describe('legacy 1.5 directives behave as their modern translation under haproxy 2.6', { skip }, () => {
  it('reqadd, reqirep, reqrep, reqdel, reqideny, rspadd, rspidel, rsprep, block', async () => {
    const origin = await httpOrigin({
      respond: (req) => ({ headers: [['X-Powered-By', 'php']], body: `${req.target}` }),
    });
    try {
      const modern = await run('haproxy', PAIRS.map(([, m]) => `  ${m}\n`).join(''), origin);
      const legacy = await run('switchyard', PAIRS.map(([l]) => `  ${l}\n`).join(''), origin);
      assert.deepStrictEqual(comparable(legacy), comparable(modern), `switchyard output:\n${legacy.output}`);
      // The warnings name the modern lines that were compared (the translated ones).
      for (const [l, m] of PAIRS) {
        if (/^(reqadd|reqirep|rspadd|rspidel|block)/.test(l)) assert.ok(legacy.output.includes(`runs it as '${m}'`), `${l} → ${m}\n${legacy.output}`);
      }
      assert.doesNotMatch(legacy.output, /not enforced/);
    } finally {
      await origin.close();
    }
  });
});
