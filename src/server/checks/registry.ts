/**
 * Which check a server runs, and the checks of one server.
 *
 * The backend's check option picks the rule set (configuration.txt §4.2; the
 * options replace each other, so at most one is set): one entry per option
 * in {@link CHECK_KINDS}, a plain connect when none is set. A server with
 * `check` gets that check; a server with `agent-check` also gets an agent
 * check. Both report to the server's {@link ServerHealth}.
 *
 * Adding a check kind is one file plus one line in CHECK_KINDS.
 */
import { hostname } from 'node:os';
import type net from 'node:net';
import type { ConfigModel } from '../../config/model/index.js';
import type { ProxyConfig } from '../../config/model/proxy.js';
import { connectOptions } from '../../net/connect.js';
import { proxyV2OptionsFrom } from '../../net/proxy-protocol.js';
import type { Backend, Reporter } from '../../proxy/runtime.js';
import { BE_WEIGHT_SCALE, type Server } from '../server.js';
import { agentRuleset } from './agent.js';
import { CheckRun, withTarget, type CheckEnv } from './engine.js';
import { ExternalProbe } from './external.js';
import { HealthCheck, type Check, type Probe } from './health-check.js';
import { httpCheckRuleset } from './http-check.js';
import { ldapRuleset } from './ldap.js';
import { mysqlRuleset } from './mysql.js';
import { pgsqlRuleset } from './pgsql.js';
import { redisRuleset } from './redis.js';
import type { ConnectRule, Ruleset } from './rules.js';
import { ServerHealth } from './server-health.js';
import { smtpRuleset } from './smtp.js';
import { sslHelloRuleset } from './ssl-hello.js';
import { defaultConnectRuleset, withCheckSource, type ConnectSpec } from './tcp-connect.js';
import { tcpCheckRuleset } from './tcp-check.js';

export type { Check } from './health-check.js';

/** Builds the rule set of a check option from the proxy and the option's arguments. */
type RulesetBuilder = (p: ProxyConfig, args: readonly string[]) => Ruleset;

/** The check options and their rule sets (`external-check` is a process, see {@link createServerChecks}). */
export const CHECK_KINDS: ReadonlyMap<string, RulesetBuilder> = new Map<string, RulesetBuilder>([
  ['tcp-check', (p) => tcpCheckRuleset(p.tcpChecks)],
  ['httpchk', (p, args) => httpCheckRuleset(args, p.httpChecks)],
  ['ssl-hello-chk', () => sslHelloRuleset()],
  ['smtpchk', (_p, args) => smtpRuleset(args)],
  ['mysql-check', (_p, args) => mysqlRuleset(args)],
  ['pgsql-check', (_p, args) => pgsqlRuleset(args)],
  ['redis-check', () => redisRuleset()],
  ['ldap-check', () => ldapRuleset()],
]);

/** The check option set on the proxy, if any. */
export function checkOption(p: ProxyConfig): string | undefined {
  for (const name of [...CHECK_KINDS.keys(), 'external-check', 'spop-check']) {
    if (p.options.get(name) === true) return name;
  }
  return undefined;
}

/** The rule set a server of this proxy runs; a plain connect when no option applies. */
export function rulesetFor(p: ProxyConfig): Ruleset {
  const opt = checkOption(p);
  const build = opt === undefined ? undefined : CHECK_KINDS.get(opt);
  // TODO(spop-check): the SPOP HELLO exchange; a connect check until then.
  return build === undefined ? defaultConnectRuleset() : build(p, p.optionArgs.get(opt ?? '') ?? []);
}

/** haproxy's proxy ids: `id`, else the position among proxies (defaults sections excluded). */
function proxyId(model: ConfigModel, p: ProxyConfig): number {
  if (p.id !== undefined) return p.id;
  const list = model.proxies.filter((x) => !x.cap.defaults);
  return list.indexOf(p) + 1;
}

/** http-check send-state: httpchk_build_status_header() (tcpcheck.c). */
function serverStateHeader(s: Server, be: Backend, health: ServerHealth, node: string): string {
  const c = health.check;
  let state: string;
  if (!c.enabled) state = 'no check';
  else if (s.operational !== 'DOWN' && !s.maint) {
    const name = health.stopping ? 'NOLB' : 'UP';
    state = c.health === c.max ? name : `${name} ${c.health - c.rise + 1}/${c.fall}`;
  } else {
    state = c.health !== 0 ? `DOWN ${c.health}/${c.rise}` : 'DOWN';
  }
  let active = 0;
  let backup = 0;
  for (const x of be.servers) {
    if (!x.usable) continue;
    if (x.backup) backup += x.eweight;
    else active += x.eweight;
  }
  const total = Math.ceil((active > 0 ? active : backup) / BE_WEIGHT_SCALE);
  const isInet = s.address.family === 'ipv4' || s.address.family === 'ipv6';
  return `${state}; address=${s.address.host}; port=${isInet ? s.address.port : ''}; name=${s.fullName}; node=${node}; ` +
    `weight=${Math.ceil(s.eweight / BE_WEIGHT_SCALE)}/${total}; scur=${s.served}/${be.counters.curConns - be.queue.length}; qcur=${s.queue.length}`;
}

/** The connection of a connect rule for this server (tcpcheck_eval_connect()). */
function connectSpecFor(s: Server, rule: ConnectRule, agent: boolean): ConnectSpec {
  const c = s.config;
  const tlsOpt = c.tls ?? {};
  let opts: net.NetConnectOpts = connectOptions(s.address);
  if (agent) {
    opts = withTarget(opts, c.agentAddr, c.agentPort);
    return { options: opts };
  }
  const useDefault = rule.useDefault || rule.implicit;
  opts = withTarget(opts, rule.addr ?? c.checkAddr, rule.port ?? c.checkPort);
  // check.c init_srv_check(): without `port`/`addr`, checks use the server's own TLS and PROXY settings.
  const sameTarget = c.checkPort === undefined && c.checkAddr === undefined;
  const ssl = useDefault ? c.checkSsl === true || (sameTarget && c.ssl === true) : rule.ssl;
  const sendProxy = useDefault ? c.checkSendProxy === true || (sameTarget && c.sendProxy !== undefined) : rule.sendProxy;
  const sni = rule.sni ?? (useDefault ? tlsOpt.checkSni : undefined);
  const alpn = rule.alpn ?? (useDefault ? tlsOpt.checkAlpn : undefined);
  return {
    options: opts,
    tls: ssl ? { servername: sni, alpn: alpn?.split(','), verify: tlsOpt.verify === 'required', caFile: tlsOpt.caFile } : undefined,
    proxy: sendProxy
      ? { version: c.sendProxy === 'v2' ? 2 : 1, v2Options: proxyV2OptionsFrom(c.proxyV2Options ?? []) }
      : undefined,
  };
}

/**
 * connectSpecFor() once per connect rule: the spec depends only on the
 * configuration, and a check runs every few seconds for the life of the
 * process (bench/check-cost.ts), so it is not rebuilt per run.
 */
function cachedSpecs(s: Server, agent: boolean): (rule: ConnectRule) => ConnectSpec {
  const cache = new Map<ConnectRule, ConnectSpec>();
  return (rule) => {
    let spec = cache.get(rule);
    if (spec === undefined) {
      // The server's or the backend's `source` binds check connections too (tcp-connect.ts withCheckSource()).
      spec = withCheckSource(connectSpecFor(s, rule, agent), s);
      cache.set(rule, spec);
    }
    return spec;
  };
}

/** A probe running a rule set with an environment. */
function rulesetProbe(rs: Ruleset, env: CheckEnv): Probe {
  return {
    run(done) {
      const r = new CheckRun(rs, env, done);
      r.start();
      return r;
    },
  };
}

/** `<proxy_address> <proxy_port>` for external checks: the first listener of the proxy. */
function proxyEndpoint(p: ProxyConfig): { addr: string; port: string; envAddr: string; envPort: string } {
  for (const b of p.binds) {
    for (const a of b.addresses) {
      if (a.family === 'ipv4' || a.family === 'ipv6') return { addr: a.host, port: String(a.port), envAddr: a.host, envPort: String(a.port) };
      if (a.family === 'unix') return { addr: a.host, port: 'NOT_USED', envAddr: a.host, envPort: '' };
    }
  }
  return { addr: 'NOT_USED', port: 'NOT_USED', envAddr: '', envPort: '' };
}

/** Whether the backend's algorithm takes dynamic weights (BE_LB_PROP_DYN). */
function dynamicWeights(p: ProxyConfig): boolean {
  const algo = p.balance?.algorithm ?? 'roundrobin';
  if (algo === 'static-rr') return false;
  const hashed = algo !== 'roundrobin' && algo !== 'leastconn' && algo !== 'first' && !algo.startsWith('random');
  return !hashed || p.hashType?.method === 'consistent';
}

/**
 * The checks of one server: its main check when it has `check`, its agent
 * when it has `agent-check` (with `agent-port`). Empty when it has neither.
 */
export function createServerChecks(s: Server, be: Backend, reporter: Reporter, model: ConfigModel): Check[] {
  const c = s.config;
  const wantCheck = c.check === true;
  const wantAgent = c.agentCheck === true && c.agentPort !== undefined;
  if (!wantCheck && !wantAgent) return [];
  const p = be.config;
  const health = new ServerHealth(s, reporter);
  health.dynamicWeights = dynamicWeights(p);
  const node = model.global.node ?? hostname();
  const disable404 = p.httpChecks.some((d) => d.args[0] === 'disable-on-404');
  const inter = c.inter ?? 2000;
  const bufsize = model.global.tune.get('tune.bufsize');
  const baseEnv = {
    bufsize: typeof bufsize === 'number' ? bufsize : undefined,
    timeoutConnect: be.timeouts.connect,
    timeoutCheck: be.timeouts.check,
    disable404: () => disable404 && s.operational !== 'DOWN',
    serverState: () => serverStateHeader(s, be, health, node),
  };
  const checks: Check[] = [];
  if (wantCheck) {
    let probe: Probe;
    if (checkOption(p) === 'external-check') {
      const ep = proxyEndpoint(p);
      const isInet = s.address.family === 'ipv4' || s.address.family === 'ipv6';
      const srvPort = isInet ? String(s.address.port) : '';
      probe = new ExternalProbe({
        command: p.externalCheck.command ?? '',
        path: p.externalCheck.path ?? '',
        args: [ep.addr, ep.port, s.address.host, srvPort],
        timeout: inter,
        env: () => ({
          HAPROXY_PROXY_ADDR: ep.envAddr,
          HAPROXY_PROXY_ID: String(proxyId(model, p)),
          HAPROXY_PROXY_NAME: p.name,
          HAPROXY_PROXY_PORT: ep.envPort,
          HAPROXY_SERVER_ADDR: s.address.host,
          HAPROXY_SERVER_CURCONN: String(s.served),
          HAPROXY_SERVER_ID: String(s.id),
          HAPROXY_SERVER_MAXCONN: String(s.maxconn),
          HAPROXY_SERVER_NAME: s.name,
          HAPROXY_SERVER_PORT: srvPort,
          HAPROXY_SERVER_PROTO: c.proto ?? (p.mode === 'http' ? 'h1' : 'tcp'),
          HAPROXY_SERVER_SSL: c.ssl === true ? '1' : '0',
        }),
      }, reporter);
    } else {
      probe = rulesetProbe(rulesetFor(p), { ...baseEnv, inter, connectSpec: cachedSpecs(s, false) });
    }
    checks.push(new HealthCheck(health, 'check', probe, { inter, fastinter: c.fastinter, downinter: c.downinter }));
  }
  if (wantAgent) {
    // configuration.txt §5.2 "agent-inter": 2000 ms by default; it also bounds the agent check.
    const agentInter = c.agentInter ?? 2000;
    const rs = agentRuleset(c.agentSend, {
      setCheckHealth: (up) => health.setCheckHealth(up),
      setDrain: () => health.setDrain(),
      setMaint: () => health.setMaint(),
      setReady: () => health.setReady(),
      requestWeight: (t) => health.requestWeight(t),
      requestMaxconn: (t) => health.requestMaxconn(t),
      previousAgentStatus: () => health.agent.status,
    });
    const probe = rulesetProbe(rs, { ...baseEnv, inter: agentInter, disable404: () => false, connectSpec: cachedSpecs(s, true) });
    checks.push(new HealthCheck(health, 'agent', probe, { inter: agentInter }));
  }
  return checks;
}
