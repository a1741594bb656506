/**
 * The command line, as haproxy's (management.txt §3 "Starting HAProxy").
 * Parsing is pure: it returns the options or a message, main.ts decides what to print.
 */

export interface CliOptions {
  configFiles: string[];
  check: boolean;
  /** `-cc <condition>`: evaluate a .if condition and exit 0/1. */
  checkCondition?: string | undefined;
  /** `-d`: foreground with debug output. */
  debug: boolean;
  /** `-db`: do not go to the background even if the config says `daemon`. */
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
  /** `-sf <pid>...`: old processes asked to finish. */
  finishPids: number[];
  /** `-st <pid>...`: old processes asked to terminate now. */
  terminatePids: number[];
  localPeer?: string | undefined;
  /** `-n`: global maxconn. */
  maxconn?: number | undefined;
  /** `-N`: default per-proxy maxconn. */
  defaultMaxconn?: number | undefined;
  /** `-m`: memory limit in MB (accepted, applied as a V8 heap hint when supported). */
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

export type ParseOutcome = { ok: true; options: CliOptions } | { ok: false; message: string };

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
    finishPids: [],
    terminatePids: [],
    zeroWarning: false,
    diagnostic: false,
    ignoreResolveFailures: false,
    noServerVerify: false,
    acceptedDebugFlags: [],
    masterCli: [],
  };
}

/** Debug flags haproxy 2.6 accepts that change nothing for Switchyard (no epoll/poll/splice choice in Node). */
const INERT_DEBUG_FLAGS = ['-de', '-dp', '-dS', '-dG', '-dR', '-dL', '-dk', '-dF', '-dI', '-dt'];

function parsePositiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses argv (without node and script). */
export function parseCommandLine(argv: readonly string[]): ParseOutcome {
  const o = defaults();
  let i = 0;
  const needArg = (flag: string): string | { error: string } => {
    const v = argv[i + 1];
    if (v === undefined) return { error: `option '${flag}' requires an argument` };
    i++;
    return v;
  };

  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      // Everything after '--' is a configuration file (management.txt §3).
      for (i++; i < argv.length; i++) o.configFiles.push(argv[i]!);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      return { ok: false, message: `unexpected argument '${a}'` };
    }
    switch (a) {
      case '-f': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.configFiles.push(v);
        break;
      }
      case '-c': o.check = true; break;
      case '-cc': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.checkCondition = v;
        break;
      }
      case '-d': o.debug = true; o.noBackground = true; break;
      case '-db': o.noBackground = true; break;
      case '-D': o.daemon = true; break;
      case '-W': o.masterWorker = true; break;
      case '-Ws': o.masterWorker = true; o.systemdNotify = true; break;
      case '-q': o.quiet = true; break;
      case '-V': o.verbose = true; break;
      case '-v': o.showVersion = Math.max(o.showVersion, 1) as 1 | 2; break;
      case '-vv': o.showVersion = 2; break;
      case '-p': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.pidFile = v;
        break;
      }
      case '-sf':
      case '-st': {
        // Every following numeric word is a pid (management.txt: "-sf <pid>*").
        const list = a === '-sf' ? o.finishPids : o.terminatePids;
        while (i + 1 < argv.length && /^\d+$/.test(argv[i + 1]!)) {
          list.push(Number(argv[i + 1]));
          i++;
        }
        break;
      }
      case '-L': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.localPeer = v;
        break;
      }
      case '-n':
      case '-N':
      case '-m': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        const n = parsePositiveInt(v);
        if (n === undefined) return { ok: false, message: `option '${a}' expects a positive integer, got '${v}'` };
        if (a === '-n') o.maxconn = n;
        else if (a === '-N') o.defaultMaxconn = n;
        else o.memoryLimitMb = n;
        break;
      }
      case '-C': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.chdir = v;
        break;
      }
      case '-x': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.socketTransfer = v;
        break;
      }
      case '-S': {
        const v = needArg(a);
        if (typeof v !== 'string') return { ok: false, message: v.error };
        o.masterCli.push(v);
        break;
      }
      case '-dW': o.zeroWarning = true; break;
      case '-dD': o.diagnostic = true; break;
      case '-dr': o.ignoreResolveFailures = true; break;
      case '-dV': o.noServerVerify = true; break;
      default:
        // -dM[<byte>,help,...], -dK<class>, and the pollers' switches: accepted as haproxy accepts them.
        if (a.startsWith('-dM') || a.startsWith('-dK') || INERT_DEBUG_FLAGS.includes(a)) {
          o.acceptedDebugFlags.push(a);
          break;
        }
        return { ok: false, message: `unknown option '${a}'` };
    }
    i++;
  }
  return { ok: true, options: o };
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
