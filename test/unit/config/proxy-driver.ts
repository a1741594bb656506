/**
 * Test driver for the proxy sections: writes a configuration to a temporary
 * file, loads it with the real loader and returns what haproxy would print
 * (alerts and warnings without the "[ALERT]    (pid) : config : " tag), plus
 * the haproxy reference output for the same text when asked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
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
  /** Every alert ('A ') and warning ('W ') in the order printed. */
  lines: string[];
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
    const out: Loaded = { model, diag, alerts: [], softAlerts: [], warnings: [], lines: [], failed: diag.hasAlerts() };
    for (const d of diag.list) {
      if (d.code === 'CFG_NOT_ENFORCED' && opts.notEnforced !== true) continue;
      const line = formatDiagnostic(d, 0).replace(TAG, '').replace(/\n+$/, '');
      if (d.severity === 'alert') {
        (d.fatal === false ? out.softAlerts : out.alerts).push(line);
        out.lines.push(`A ${line}`);
      } else if (d.severity === 'warning') {
        out.warnings.push(line);
        out.lines.push(`W ${line}`);
      }
    }
    return out;
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** haproxy's lines that are summaries rather than diagnostics. */
const SUMMARY = /^(Configuration file has no error|Error\(s\) found in configuration file|Fatal errors found in configuration|Configuration file is valid|Configuration file has no error|Warnings were found)/;

const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';

/** Runs `haproxy -c` on the same text (file `t.cfg`), when haproxy is installed. */
export function reference(text: string, opts: { extra?: Record<string, string> } = {}): Printed | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-ref-'));
  try {
    for (const [name, content] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 't.cfg'), text);
    const r = spawnSync(HAPROXY, ['-c', '-f', 't.cfg'], { cwd: dir, encoding: 'latin1', timeout: 10000 });
    if (r.error !== undefined) return undefined;
    return parseHaproxyOutput(`${r.stderr}${r.stdout}`, r.status ?? -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same as {@link reference}, without blocking (several haproxy runs at once). */
export async function referenceAsync(text: string, opts: { extra?: Record<string, string> } = {}): Promise<Printed | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-ref-'));
  try {
    for (const [name, content] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 't.cfg'), text);
    const r = await new Promise<{ out: string; code: number } | undefined>((resolve) => {
      execFile(HAPROXY, ['-c', '-f', 't.cfg'], { cwd: dir, encoding: 'latin1', timeout: 10000 }, (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') resolve(undefined);
        else resolve({ out: `${stderr}${stdout}`, code: err === null ? 0 : Number(err.code) });
      });
    });
    return r === undefined ? undefined : parseHaproxyOutput(r.out, r.code);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Splits haproxy's output into messages. haproxy stops a message at a NUL it
 * formats (e.g. "character '\0'"), running it into the next line: the message
 * is cut there.
 */
export function parseHaproxyOutput(text: string, status: number): Printed {
  {
    const out: Printed = { alerts: [], softAlerts: [], warnings: [], lines: [], failed: status === 1 };
    let current: { sev: string; lines: string[] } | undefined;
    const flush = (): void => {
      if (current === undefined) return;
      const msg = current.lines.join('\n').replace(/\[(ALERT|WARNING)\] .*$/s, '').replace(/\n+$/, '');
      if (!SUMMARY.test(msg)) {
        if (current.sev === 'ALERT') {
          out.alerts.push(msg);
          out.lines.push(`A ${msg}`);
        } else if (current.sev === 'WARNING') {
          out.warnings.push(msg);
          out.lines.push(`W ${msg}`);
        }
      }
      current = undefined;
    };
    for (const line of text.split('\n')) {
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
  }
}
