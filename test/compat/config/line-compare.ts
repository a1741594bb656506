/**
 * The small-configuration differential of the global and auxiliary-section
 * compat tests: the same lines through `haproxy -c` and through
 * loadConfiguration(); the verdict and the alert and warning texts (places
 * included) are returned side by side for `assert.deepEqual`.
 *
 * parseDiagnostics() drops blank lines, so the blank line haproxy prints
 * after some alerts (a message ending in "\n", e.g. parse_process_number()'s
 * "It supports numbers from 1 to 64.\n") is compared on neither side; unit
 * tests check those trailing line feeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { formatDiagnostic } from '../../../src/config/diagnostics.js';
import { createEnvironment } from '../../../src/config/environment.js';
import { loadConfiguration } from '../../../src/config/loader.js';
import { HAPROXY_BIN } from '../../helpers/paths.js';
import { parseDiagnostics, run } from '../../helpers/processes.js';

/** haproxy's closing lines, and notes only we print. */
const SKIP = /^(Error\(s\) found in configuration file|Fatal errors found in configuration|Configuration file is valid|Configuration file has no error)|parsed but not enforced yet/;

export interface Side {
  readonly fail: boolean;
  /** `alert <message>` / `warning <message>`, without the pid and "config : ". */
  readonly lines: string[];
}

/**
 * Returns a function that runs both sides on `lines` (one configuration line
 * each) in a temporary directory named after `label`, removed after the tests.
 * The local peer name is the host name on both sides.
 */
export function lineComparer(label: string): (lines: readonly string[]) => Promise<{ haproxy: Side; ours: Side }> {
  const dir = mkdtempSync(join(tmpdir(), `sy-${label}-compat-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return async (lines) => {
    const name = `c${n++}.cfg`;
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await run(HAPROXY_BIN, ['-c', '-f', name], { cwd: dir, timeoutMs: 10000 });
    const hx = parseDiagnostics(`${r.stderr}\n${r.stdout}`)
      .filter((d) => (d.severity === 'alert' || d.severity === 'warning') && !SKIP.test(d.message))
      .map((d) => `${d.severity} ${d.message.replace(/\n+$/, '')}`);
    const env = createEnvironment({ cfgFiles: [file], localPeer: hostname() });
    const res = loadConfiguration([file], { env, conditions: { env, version: '2.6.12', features: new Set<string>() } } as Parameters<typeof loadConfiguration>[1]);
    const ours = res.diag.list
      .filter((d) => d.severity === 'alert' || d.severity === 'warning')
      .map((d) => `${d.severity} ${formatDiagnostic(d, 1).split(file).join(name).replace(/^\[\w+\]\s+\(1\) : (config : )?/, '').replace(/\n+$/, '')}`)
      .filter((t) => !SKIP.test(t.replace(/^\w+ /, '')));
    return {
      haproxy: { fail: r.code === 1, lines: hx },
      ours: { fail: res.diag.hasAlerts() || res.diag.list.some((d) => d.fatal === true), lines: ours },
    };
  };
}
