/**
 * Synchronous host name resolution for configuration loading.
 *
 * HAProxy resolves `bind` host names while it parses (str2sa_range() with
 * PA_O_RESOLVE, src/tools.c) and server names right after parsing
 * (srv_init_addr(), "init-addr libc"), both through getaddrinfo(3) and
 * blocking. Node has no synchronous resolver, so:
 *   1. IP literals never leave this process (inet_pton rules, see address.ts);
 *   2. names found in /etc/hosts with a single answer family are answered from
 *      it, which is what glibc's "files" source would return first;
 *   3. anything else runs `dns.lookup()` (getaddrinfo, the very call haproxy
 *      makes, so nsswitch, search domains and inet_aton forms such as `1.2.3`
 *      behave the same) in a short-lived child process, bounded in time.
 * Answers are cached for the life of the process: a configuration naming the
 * same host many times costs one lookup.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

/** 4, 6, or 0 for "either" (AF_UNSPEC). */
export type ResolveFamily = 0 | 4 | 6;

export interface ResolvedHost {
  readonly address: string;
  readonly family: 4 | 6;
}

/** A synchronous resolver; tests inject their own. */
export type HostResolver = (name: string, family: ResolveFamily) => ResolvedHost | undefined;

const cache = new Map<string, ResolvedHost | null>();
let hostsFile: Map<string, ResolvedHost[]> | undefined;

function readHosts(): Map<string, ResolvedHost[]> {
  if (hostsFile !== undefined) return hostsFile;
  hostsFile = new Map();
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return hostsFile;
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [ip, ...names] = line.split(/\s+/);
    if (ip === undefined) continue;
    const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : 0;
    if (family === 0) continue;
    for (const n of names) {
      const key = n.toLowerCase();
      const list = hostsFile.get(key) ?? [];
      list.push({ address: ip, family });
      hostsFile.set(key, list);
    }
  }
  return hostsFile;
}

const CHILD = `
const [name, fam] = process.argv.slice(1);
require('dns').lookup(name, { family: Number(fam), verbatim: true }, (err, address, family) => {
  process.stdout.write(JSON.stringify(err ? null : { address, family }));
});`;

function lookupInChild(name: string, family: ResolveFamily): ResolvedHost | undefined {
  const r = spawnSync(process.execPath, ['-e', CHILD, name, String(family)], {
    encoding: 'utf8',
    timeout: 10000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (r.status !== 0 || typeof r.stdout !== 'string' || r.stdout === '') return undefined;
  try {
    const v = JSON.parse(r.stdout) as { address?: unknown; family?: unknown } | null;
    if (v === null || typeof v.address !== 'string' || (v.family !== 4 && v.family !== 6)) return undefined;
    return { address: v.address, family: v.family };
  } catch {
    return undefined;
  }
}

/**
 * Resolves a host name the way getaddrinfo(3) does for haproxy, blocking.
 * Returns undefined when the name does not resolve in the requested family.
 */
export const resolveHostSync: HostResolver = (name, family) => {
  const key = `${family}/${name.toLowerCase()}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let answer: ResolvedHost | undefined;
  // getaddrinfo() answers a literal of the other family with "not found"
  // (dns.lookup() would return it whatever the family asked for)
  if (isIPv4(name) || isIPv6(name)) {
    const fam = isIPv4(name) ? 4 : 6;
    return family === 0 || family === fam ? { address: name, family: fam } : undefined;
  }
  const fromHosts = readHosts().get(name.toLowerCase());
  const wanted = fromHosts?.filter((h) => family === 0 || h.family === family) ?? [];
  const families = new Set(wanted.map((h) => h.family));
  // With both families present, glibc orders the answers by RFC 6724 rules
  // that depend on the host's interfaces: leave that to getaddrinfo itself.
  if (wanted.length > 0 && families.size === 1) answer = wanted[0];
  else answer = lookupInChild(name, family);
  cache.set(key, answer ?? null);
  return answer;
};
