/**
 * Test driver for the proxy sections: writes a configuration to a temporary
 * file, loads it with the real loader and returns what haproxy would print
 * (alerts and warnings without the "[ALERT]    (pid) : config : " tag), plus
 * the haproxy reference output for the same text when asked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatDiagnostic, type Diagnostics } from '../../../src/config/diagnostics.js';
import { loadConfiguration } from '../../../src/config/loader.js';
import { createEnvironment } from '../../../src/config/environment.js';
import type { ConfigModel } from '../../../src/config/model/index.js';

export interface Printed {
  /** Messages as printed after "config : ", fatal alerts only. */
  alerts: string[];
  /** Alerts haproxy prints without failing. */
  softAlerts: string[];
  warnings: string[];
  /** True when the configuration is invalid. */
  failed: boolean;
}

export interface Loaded extends Printed {
  model: ConfigModel;
  diag: Diagnostics;
}

const TAG = /^\[(ALERT|WARNING|NOTICE|DIAG)\]\s+\(\d+\) : (?:config : )?/;

/** Loads `text` as file `t.cfg` in a fresh directory (`extra` files are written next to it). */
export function load(text: string, opts: { notEnforced?: boolean; extra?: Record<string, string> } = {}): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-'));
  const cwd = process.cwd();
  try {
    for (const [name, content] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 't.cfg'), text);
    process.chdir(dir);
    const env = createEnvironment({ cfgFiles: ['t.cfg'], localPeer: 'localhost' });
    const conditions = { env, version: '2.6.12', features: new Set(['OPENSSL']) };
    const { model, diag } = loadConfiguration(['t.cfg'], { env, conditions });
    const out: Loaded = { model, diag, alerts: [], softAlerts: [], warnings: [], failed: diag.hasAlerts() };
    for (const d of diag.list) {
      if (d.code === 'CFG_NOT_ENFORCED' && opts.notEnforced !== true) continue;
      const line = formatDiagnostic(d, 0).replace(TAG, '').replace(/\n+$/, '');
      if (d.severity === 'alert') (d.fatal === false ? out.softAlerts : out.alerts).push(line);
      else if (d.severity === 'warning') out.warnings.push(line);
    }
    return out;
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** haproxy's lines that are summaries rather than diagnostics. */
const SUMMARY = /^(Configuration file has no error|Error\(s\) found in configuration file|Fatal errors found in configuration|Configuration file is valid|Configuration file has no error|Warnings were found)/;

/** Runs `haproxy -c` on the same text (file `t.cfg`), when haproxy is installed. */
export function reference(text: string, opts: { extra?: Record<string, string> } = {}): Printed | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-ref-'));
  try {
    for (const [name, content] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 't.cfg'), text);
    const r = spawnSync(process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy', ['-c', '-f', 't.cfg'], { cwd: dir, encoding: 'latin1', timeout: 10000 });
    if (r.error !== undefined) return undefined;
    const out: Printed = { alerts: [], softAlerts: [], warnings: [], failed: r.status === 1 };
    let current: { sev: string; lines: string[] } | undefined;
    const flush = (): void => {
      if (current === undefined) return;
      const msg = current.lines.join('\n').replace(/\n+$/, '');
      if (!SUMMARY.test(msg)) {
        if (current.sev === 'ALERT') out.alerts.push(msg);
        else if (current.sev === 'WARNING') out.warnings.push(msg);
      }
      current = undefined;
    };
    for (const line of `${r.stderr}${r.stdout}`.split('\n')) {
      const m = /^\[(ALERT|WARNING|NOTICE|DIAG)\]\s+\(\d+\) : (?:config : )?(.*)$/.exec(line);
      if (m !== null) {
        flush();
        current = { sev: m[1] ?? '', lines: [m[2] ?? ''] };
      } else if (current !== undefined && line !== '' && !SUMMARY.test(line)) {
        current.lines.push(line);
      } else {
        flush();
      }
    }
    flush();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
