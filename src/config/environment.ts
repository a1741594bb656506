/**
 * The environment seen by the configuration: process variables plus the ones
 * HAProxy 2.6 defines itself (configuration.txt §2.3 "Environment variables").
 *
 * Verified against haproxy 2.6.12 with `.notice "${NAME}"`:
 *  - while the configuration is parsed, only HAPROXY_LOCALPEER (always
 *    overwritten with `-L` or the host name) and HAPROXY_STARTUP_VERSION (kept
 *    when already present in the environment) are defined by haproxy;
 *  - HAPROXY_CFGFILES, HAPROXY_MWORKER, HAPROXY_CLI and HAPROXY_MASTER_CLI are
 *    set only after parsing (they are empty in `.notice` even with -W / -S),
 *    for programs and external checks: see {@link Environment.publishAfterParse};
 *  - HAPROXY_HTTP_LOG_FMT, HAPROXY_HTTPS_LOG_FMT and HAPROXY_TCP_LOG_FMT do not
 *    exist in 2.6 (they appeared in 3.0): `"${HAPROXY_HTTP_LOG_FMT}"` expands to
 *    nothing, so they are deliberately not defined here.
 *
 * Strings are "byte strings" (one UTF-16 code unit per byte, i.e. latin1), the
 * convention of the tokenizer: haproxy works on bytes, `\xNN` produces one byte,
 * and positions in messages count bytes. Values coming from `process.env`
 * (decoded by Node as UTF-8) are converted to that form unless `binary: false`.
 */

/** Read access to environment variables, as used by the tokenizer and conditions. */
export interface EnvLookup {
  get(name: string): string | undefined;
}

/** A mutable environment (the `setenv`/`presetenv`/`unsetenv`/`resetenv` global keywords act on it). */
export interface Environment extends EnvLookup {
  set(name: string, value: string): void;
  unset(name: string): void;
  has(name: string): boolean;
  names(): string[];
  /**
   * Defines the variables haproxy 2.6 sets once the configuration is loaded
   * (HAPROXY_CFGFILES joined with ';', HAPROXY_MWORKER=1 in master-worker mode,
   * HAPROXY_CLI / HAPROXY_MASTER_CLI joined with ';' when given).
   */
  publishAfterParse(extra?: { cli?: string[]; masterCli?: string[] }): void;
  /** A copy suitable for `child_process` (values converted back to UTF-8 text when binary). */
  toProcessEnv(): Record<string, string>;
}

export interface EnvironmentOptions {
  cfgFiles: string[];
  /** `-L` value, or the host name (haproxy's default). */
  localPeer: string;
  masterWorker?: boolean;
  base?: NodeJS.ProcessEnv;
  /** Version string for HAPROXY_STARTUP_VERSION (haproxy prints its full version, e.g. "2.6.12-1+deb12u4"). */
  version?: string;
  /** Convert base values to byte strings (default true). */
  binary?: boolean;
}

function toBinary(v: string): string {
  // Fast path: pure ASCII is identical in both forms.
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0x7f) return Buffer.from(v, 'utf8').toString('latin1');
  }
  return v;
}

function fromBinary(v: string): string {
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0x7f) return Buffer.from(v, 'latin1').toString('utf8');
  }
  return v;
}

/**
 * Builds the configuration environment: `base` (default `process.env`) plus
 * HAProxy's predefined variables, with the values and timing of haproxy 2.6.
 */
export function createEnvironment(opts: EnvironmentOptions): Environment {
  const binary = opts.binary ?? true;
  const vars = new Map<string, string>();
  const base = opts.base ?? process.env;
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined) vars.set(k, binary ? toBinary(v) : v);
  }
  // haproxy.c: setenv("HAPROXY_LOCALPEER", localpeer, 1) -- always overwritten.
  vars.set('HAPROXY_LOCALPEER', opts.localPeer);
  // haproxy.c: setenv("HAPROXY_STARTUP_VERSION", HAPROXY_VERSION, 0) -- kept when
  // inherited (verified: HAPROXY_STARTUP_VERSION=x haproxy -c shows 'x').
  if (!vars.has('HAPROXY_STARTUP_VERSION')) vars.set('HAPROXY_STARTUP_VERSION', opts.version ?? '2.6.0');

  const env: Environment = {
    get: (name) => vars.get(name),
    set: (name, value) => {
      vars.set(name, value);
    },
    unset: (name) => {
      vars.delete(name);
    },
    has: (name) => vars.has(name),
    names: () => [...vars.keys()],
    publishAfterParse: (extra) => {
      vars.set('HAPROXY_CFGFILES', opts.cfgFiles.join(';'));
      if (opts.masterWorker === true) vars.set('HAPROXY_MWORKER', '1');
      if (extra?.cli !== undefined) vars.set('HAPROXY_CLI', extra.cli.join(';'));
      if (extra?.masterCli !== undefined) vars.set('HAPROXY_MASTER_CLI', extra.masterCli.join(';'));
    },
    toProcessEnv: () => {
      const out: Record<string, string> = {};
      for (const [k, v] of vars) out[k] = binary ? fromBinary(v) : v;
      return out;
    },
  };
  return env;
}
