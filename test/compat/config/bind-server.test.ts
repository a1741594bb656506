/**
 * Differential checks of `bind`, `server`, `default-server` and
 * `server-template` lines: the same small configurations through
 * `haproxy -c` and through our loader (loadConfiguration()); the verdict, the
 * places and the exact alert and warning texts must match.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatDiagnostic } from '../../../src/config/diagnostics.js';
import { checkConfig, parseDiagnostics } from '../../helpers/processes.js';
import { loadConfigText } from '../../helpers/load-config.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { CASES, prepareFiles } from './bind-server-cases.js';

/** The lines the loader itself (not a keyword) adds, and haproxy's summary lines. */
const SUMMARY = /^(Error\(s\) found in configuration file|Fatal errors found in configuration|Configuration file is valid|Configuration file has no error)/;
/** Warnings that belong to other keywords' helpers (timeouts are set in every case; this is belt and braces). */
const FOREIGN_WARNING = /missing timeouts for|parsed but not enforced yet/;

function normalize(text: string, dir: string): { alerts: string[]; warnings: string[] } {
  const diags = parseDiagnostics(text.split(`${dir}/`).join(''));
  return {
    alerts: diags.filter((d) => d.severity === 'alert' && !SUMMARY.test(d.message)).map((d) => d.message),
    warnings: diags.filter((d) => d.severity === 'warning' && !FOREIGN_WARNING.test(d.message)).map((d) => d.message),
  };
}

describe('bind/server lines: haproxy -c versus Switchyard', { skip: !haproxyAvailable() && 'haproxy not installed' }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-bs-compat-'));
    prepareFiles(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(c.name, async () => {
      const text = c.config.replaceAll('${DIR}', dir);
      const file = join(dir, 't.cfg');
      writeFileSync(file, text);
      const ref = await checkConfig('haproxy', [file], { cwd: dir });
      const theirs = normalize(`${ref.stderr}\n${ref.stdout}`, dir);
      // The same file, read by our loader (diagnostics name it 't.cfg', as haproxy once `${dir}/` is cut).
      const r = loadConfigText(text, { dir, fileName: 't.cfg', exactText: true });
      const ours = normalize(r.diag.list.map((x) => formatDiagnostic(x, 0)).join('\n'), dir);
      assert.deepEqual(ours.alerts, theirs.alerts, 'alerts');
      if (c.compareWarnings !== false) assert.deepEqual(ours.warnings, theirs.warnings, 'warnings');
      // haproxy -c: 0 valid, 2 valid but nothing to run, 1 errors
      const refValid = ref.code !== 1;
      assert.equal(ours.alerts.length === 0, refValid, `verdict (haproxy exit ${ref.code})`);
    });
  }
});
