/** Version strings for -v / -vv and the conditions engine. */
import { readFileSync } from 'node:fs';
import { release, type as osType, machine } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function readPackageVersion(): string {
  try {
    // dist/src/cli/version.js -> package.json three levels up.
    const here = dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(join(here, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const SWITCHYARD_VERSION = readPackageVersion();

/**
 * The HAProxy version whose configuration language and behaviour we follow.
 * `.if version_atleast(x)` and `-cc` compare against it, so configurations
 * written for haproxy 2.6 take the same branches under Switchyard.
 */
export const HAPROXY_COMPAT_VERSION = '2.6.12';

/**
 * Features as haproxy's `-vv` "Feature list" names them, for `feature()` in
 * conditions. We claim only what Switchyard provides or will by design
 * (OPENSSL: Node's TLS is OpenSSL; the pollers are libuv's epoll on Linux).
 */
export const FEATURES: ReadonlySet<string> = new Set([
  'ACCEPT4', 'CPU_AFFINITY', 'EPOLL', 'GETADDRINFO', 'LINUX_TPROXY', 'NS', 'OPENSSL', 'POLL', 'PRCTL', 'RT', 'TFO', 'THREAD', 'PROMEX',
]);

const ALL_KNOWN_FEATURES = [
  '51DEGREES', 'ACCEPT4', 'BACKTRACE', 'CLOSEFROM', 'CPU_AFFINITY', 'CRYPT_H', 'DEVICEATLAS', 'DL', 'ENGINE', 'EPOLL', 'EVPORTS',
  'GETADDRINFO', 'KQUEUE', 'LIBCRYPT', 'LINUX_SPLICE', 'LINUX_TPROXY', 'LUA', 'MEMORY_PROFILING', 'NETFILTER', 'NS',
  'OBSOLETE_LINKER', 'OPENSSL', 'OT', 'PCRE', 'PCRE2', 'PCRE2_JIT', 'PCRE_JIT', 'POLL', 'PRCTL', 'PROCCTL', 'PROMEX', 'QUIC', 'RT',
  'SLZ', 'STATIC_PCRE', 'STATIC_PCRE2', 'SYSTEMD', 'TFO', 'THREAD', 'THREAD_DUMP', 'TPROXY', 'WURFL', 'ZLIB',
];

export function versionText(): string {
  return [
    `Switchyard version ${SWITCHYARD_VERSION} - HAProxy ${HAPROXY_COMPAT_VERSION} compatible`,
    `Status: development branch.`,
    `Running on: ${osType()} ${release()} ${machine()}`,
    '',
  ].join('\n');
}

export function buildOptionsText(): string {
  const features = ALL_KNOWN_FEATURES.map((f) => (FEATURES.has(f) ? '+' : '-') + f).join(' ');
  return [
    versionText().trimEnd(),
    'Build options :',
    `  TARGET  = node-${process.version}`,
    `  CPU     = ${process.arch}`,
    `  RUNTIME = Node.js ${process.version} (V8 ${process.versions.v8}, libuv ${process.versions.uv})`,
    '',
    `Feature list : ${features}`,
    '',
    'Default settings :',
    '  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200',
    '',
    `Built with OpenSSL version : OpenSSL ${process.versions.openssl}`,
    `Running on OpenSSL version : OpenSSL ${process.versions.openssl}`,
    'OpenSSL library supports TLS extensions : yes',
    'OpenSSL library supports SNI : yes',
    'OpenSSL library supports : TLSv1.2 TLSv1.3',
    '',
    'Available polling systems :',
    '      epoll : pref=300,  test result OK (through libuv)',
    'Total: 1 (1 usable), will use epoll.',
    '',
    'Available multiplexer protocols :',
    '(protocols marked as <default> cannot be specified using \'proto\' keyword)',
    '  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=',
    '  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=',
    '',
    'Available services : none',
    'Available filters : none',
    '',
  ].join('\n');
}
