/**
 * The command line, as haproxy's (management.txt §3 "Starting HAProxy").
 *
 * haproxy 2.6 (haproxy.c init()) matches options on their first one or two
 * letters, not on the whole word: `-qx` is `-q`, `-vfoo` is `-v`, `-dZ` is
 * `-d`, `-Cfoo <dir>` is `-C <dir>`. We follow the same dispatch so the same
 * command lines are accepted and refused. Parsing is pure: it returns the
 * options or what to print, main.ts prints it.
 */

export interface CliOptions {
  configFiles: string[];
  check: boolean;
  /** `-cc <condition>`: evaluate a .if condition and exit 0/1/2. */
  checkCondition?: string | undefined;
  /** `-d`: foreground with debug output. */
  debug: boolean;
  /** `-db` (and `-d`, `-Ws`): do not go to the background even if the config says `daemon`. */
  noBackground: boolean;
  daemon: boolean;
  masterWorker: boolean;
  /** `-Ws`: master-worker with systemd notify (accepted; notify is a no-op without systemd). */
  systemdNotify: boolean;
  pidFile?: string | undefined;
  quiet: boolean;
  verbose: boolean;
  /** 1 for -v, 2 for -vv. */
  showVersion: 0 | 1 | 2;
  /**
   * `-sf <pid>*` / `-st <pid>*`: older processes to signal once our listeners
   * are up. haproxy keeps one list and one signal, so the last of `-sf`/`-st`
   * chooses the signal for every pid (haproxy.c: `oldpids_sig`).
   */
  oldPids: number[];
  /** SIGUSR1 after `-sf` (finish), SIGTERM after `-st` (terminate). */
  oldPidsSignal?: 'SIGUSR1' | 'SIGTERM' | undefined;
  localPeer?: string | undefined;
  /** `-n`: global maxconn (overrides `global maxconn` when > 0). */
  maxconn?: number | undefined;
  /** `-N`: default per-proxy maxconn. */
  defaultMaxconn?: number | undefined;
  /** `-m`: memory limit in MB (accepted). */
  memoryLimitMb?: number | undefined;
  chdir?: string | undefined;
  /** `-dW`: any warning is fatal (haproxy's zero-warning mode). */
  zeroWarning: boolean;
  /** `-dD`: diagnostic mode. */
  diagnostic: boolean;
  /** `-dr`: ignore server address resolution failures. */
  ignoreResolveFailures: boolean;
  /** `-dV`: disable SSL verify on servers side. */
  noServerVerify: boolean;
  /** Debug flags accepted for compatibility with no effect here (-dM, -de, -dp, -dS, -dG, -dR, -dL, -dK...). */
  acceptedDebugFlags: string[];
  /** `-x <socket>`: get listening sockets from an older process (accepted; see docs/cli.md). */
  socketTransfer?: string | undefined;
  /** `-S <bind>[,<opts>]`: master CLI. */
  masterCli: string[];
}

/**
 * A refused command line. haproxy prints the version on stdout and the usage
 * on stderr and exits 1; `message`, when present, is printed first as an
 * alert (haproxy prints one for `-x`, `-S` and `-sf 12x`; for the others we
 * add one naming the culprit, which haproxy does not).
 */
export interface ParseFailure {
  ok: false;
  message?: string | undefined;
  /** False when haproxy prints only the alert (no version and usage). */
  usage: boolean;
}

export type ParseOutcome = { ok: true; options: CliOptions } | ParseFailure;

function defaults(): CliOptions {
  return {
    configFiles: [],
    check: false,
    debug: false,
    noBackground: false,
    daemon: false,
    masterWorker: false,
    systemdNotify: false,
    quiet: false,
    verbose: false,
    showVersion: 0,
    oldPids: [],
    zeroWarning: false,
    diagnostic: false,
    ignoreResolveFailures: false,
    noServerVerify: false,
    acceptedDebugFlags: [],
    masterCli: [],
  };
}

/**
 * `-d<x>` switches haproxy 2.6 knows that select internals Node does not
 * have (pollers, splice, getaddrinfo, SO_REUSEPORT, library dump, keyword
 * dump): accepted with no effect. Any other `-d<x>` is plain `-d`, as in haproxy.
 */
const INERT_DEBUG_LETTERS = new Set(['e', 'k', 'v', 'p', 'S', 'G', 'R', 'L', 'K', 'M']);

/** C's atol(): optional blanks and sign, then digits; anything else reads as 0. */
export function atol(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  if (m === null || m[1] === undefined) return 0;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/**
 * Reads the pids after `-sf`/`-st` as haproxy does: every following word that
 * does not start with '-' is a pid (strtol); trailing bytes other than blanks
 * are an error, and a pid <= 0 shows the usage.
 */
function readPids(argv: readonly string[], start: number, flag: string, into: number[]): { next: number } | ParseFailure {
  let i = start;
  while (i < argv.length && !argv[i]!.startsWith('-')) {
    const word = argv[i]!;
    const m = /^[ \t\n\v\f\r]*([+-]?\d*)(.*)$/s.exec(word);
    const digits = m?.[1] ?? '';
    const rest = (m?.[2] ?? word).replace(/^[ \t\n\v\f\r]+/, '');
    if (rest !== '') {
      // haproxy.c: ha_alert("-%2s option: some bytes unconsumed in PID list {%s}\n", flag, endptr)
      return { ok: false, message: `-${flag} option: some bytes unconsumed in PID list {${rest}}`, usage: false };
    }
    const pid = /\d/.test(digits) ? Number(digits) : 0;
    if (!(pid > 0)) return { ok: false, message: `-${flag} option: invalid pid '${word}'`, usage: true };
    into.push(pid);
    i++;
  }
  return { next: i };
}

/** Parses argv (without node and script). */
export function parseCommandLine(argv: readonly string[]): ParseOutcome {
  const o = defaults();
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return { ok: false, message: `unexpected argument '${a}'`, usage: true };
    const flag = a.slice(1);
    const c0 = flag[0] ?? '';
    const c1 = flag[1] ?? '';

    if (c0 === 'v') {
      // haproxy prints the version as soon as it meets -v, whatever follows.
      o.showVersion = c1 === 'v' ? 2 : 1;
      return { ok: true, options: o };
    } else if (c0 === 'd' && c1 === 'b') {
      o.noBackground = true;
    } else if (c0 === 'd' && c1 === 'D') {
      o.diagnostic = true;
    } else if (c0 === 'd' && c1 === 'W') {
      o.zeroWarning = true;
    } else if (c0 === 'd' && c1 === 'r') {
      o.ignoreResolveFailures = true;
    } else if (c0 === 'd' && c1 === 'V') {
      o.noServerVerify = true;
    } else if (c0 === 'd' && INERT_DEBUG_LETTERS.has(c1)) {
      o.acceptedDebugFlags.push(a);
    } else if (c0 === 'd') {
      // -d and any other -d<x>: debug mode, which implies the foreground.
      o.debug = true;
      o.noBackground = true;
    } else if (c0 === 'c' && c1 === 'c') {
      const v = argv[i + 1];
      if (v === undefined) return { ok: false, message: `option '${a}' expects a condition`, usage: true };
      o.checkCondition = v;
      i++;
    } else if (c0 === 'c') {
      o.check = true;
    } else if (c0 === 'D') {
      o.daemon = true;
    } else if (c0 === 'W' && c1 === 's') {
      // haproxy.c: -Ws is MODE_MWORKER | MODE_FOREGROUND (systemd supervises the master).
      o.masterWorker = true;
      o.systemdNotify = true;
      o.noBackground = true;
    } else if (c0 === 'W') {
      o.masterWorker = true;
    } else if (c0 === 'q') {
      o.quiet = true;
    } else if (c0 === 'V') {
      o.verbose = true;
    } else if (c0 === 'x') {
      const v = argv[i + 1];
      if (v === undefined) return { ok: false, message: 'Unix socket path expected with the -x flag\n', usage: true };
      o.socketTransfer = v;
      i++;
    } else if (c0 === 'S') {
      const v = argv[i + 1];
      if (v === undefined) return { ok: false, message: 'Socket and optional bind parameters expected with the -S flag', usage: true };
      o.masterCli.push(v);
      i++;
    } else if (c0 === 's' && (c1 === 'f' || c1 === 't')) {
      o.oldPidsSignal = c1 === 'f' ? 'SIGUSR1' : 'SIGTERM';
      const r = readPids(argv, i + 1, flag.slice(0, 2), o.oldPids);
      if ('ok' in r) return r;
      i = r.next;
      continue;
    } else if (flag === '-') {
      // "--": every following argument is a configuration file (management.txt §3).
      for (i++; i < argv.length; i++) o.configFiles.push(argv[i]!);
      break;
    } else {
      // Options with one argument; haproxy looks at the first letter only.
      const v = argv[i + 1];
      const known = 'CnmNLfp'.includes(c0) && c0 !== '';
      if (!known) return { ok: false, message: `unknown option '${a}'`, usage: true };
      if (v === undefined) return { ok: false, message: `option '${a}' requires an argument`, usage: true };
      i++;
      switch (c0) {
        case 'C': o.chdir = v; break;
        case 'n': o.maxconn = atol(v); break;
        case 'm': o.memoryLimitMb = atol(v); break;
        case 'N': o.defaultMaxconn = atol(v); break;
        case 'L': o.localPeer = v; break;
        case 'f': o.configFiles.push(v); break;
        case 'p': o.pidFile = v; break;
      }
    }
    i++;
  }
  return { ok: true, options: o };
}

/** Groups of arguments a re-spawned copy of ourselves must not see again. */
export type ArgumentGroup = 'daemon' | 'master-worker' | 'old-pids' | 'chdir';

/**
 * `argv` without the given groups (`-D`, `-W`/`-Ws`, `-sf`/`-st` with their
 * pids, `-C <dir>`), walked with the same dispatch as {@link parseCommandLine}
 * so an option's value is never mistaken for an option.
 */
export function withoutArguments(argv: readonly string[], drop: readonly ArgumentGroup[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const c0 = a[1] ?? '';
    const c1 = a[2] ?? '';
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('-')) {
      out.push(a);
      continue;
    }
    if (c0 === 's' && (c1 === 'f' || c1 === 't')) {
      let j = i + 1;
      while (j < argv.length && !argv[j]!.startsWith('-')) j++;
      if (!drop.includes('old-pids')) out.push(...argv.slice(i, j));
      i = j - 1;
    } else if (c0 === 'D') {
      if (!drop.includes('daemon')) out.push(a);
    } else if (c0 === 'W') {
      if (!drop.includes('master-worker')) out.push(a);
    } else if ((c0 === 'c' && c1 === 'c') || c0 === 'x' || c0 === 'S' || (c0 !== '' && 'CnmNLfp'.includes(c0))) {
      const pair = argv.slice(i, i + 2);
      if (!(c0 === 'C' && drop.includes('chdir'))) out.push(...pair);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export const USAGE = `Usage : switchyard [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]
        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]
        -v displays version ; -vv shows known build options.
        -d enters debug mode ; -db only disables background mode.
        -dM[<byte>,help,...] debug memory (accepted, no effect)
        -V enters verbose mode (disables quiet mode)
        -D goes daemon ; -C changes to <dir> before loading files.
        -W master-worker mode.
        -Ws master-worker mode with systemd notify support.
        -q quiet mode : don't display messages
        -c check mode : only check config files and exit
        -cc check condition : evaluate a condition and exit
        -n sets the maximum total # of connections
        -m limits the usable amount of memory (in MB)
        -N sets the default, per-proxy maximum # of connections (0)
        -L set local peer name (default to hostname)
        -p writes pids of all children to this file
        -de, -dp, -dS, -dG, -dR, -dL, -dK: accepted for compatibility, no effect
        -dr ignores server address resolution failures
        -dV disables SSL verify on servers side
        -dW fails if any warning is emitted
        -dD diagnostic mode : warn about suspicious configuration statements
        -sf/-st [pid ]* finishes/terminates old pids.
        -x <unix_socket> get listening sockets from a unix socket (accepted, see docs/cli.md)
        -S <bind>[,<bind options>...] new master CLI

`;
