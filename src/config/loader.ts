/**
 * Reads configuration files into the typed model (haproxy's readcfgfile()).
 *
 * Every file is read and every line of it parsed even after an error, so one
 * run reports all problems; checks between sections (missing backends, ...)
 * run only when parsing produced no alert, as in haproxy.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostics, type Place, type PlaceStyle } from './diagnostics.js';
import { createModel, type ConfigModel } from './model/index.js';
import { tokenizeLine } from './tokenizer.js';
import { ConditionalBlocks, UNTERMINATED_BLOCK_CODE, type ConditionContext } from './conditions.js';
import type { EnvLookup } from './environment.js';
import { findSection, runPostChecks, type LineContext, type SectionParser } from './section-registry.js';
import './sections/index.js';

export interface LoadOptions {
  env: EnvLookup;
  conditions: ConditionContext;
}

export interface LoadResult {
  model: ConfigModel;
  diag: Diagnostics;
  /** Files that had at least one alert, for haproxy's "Error(s) found in configuration file : f". */
  filesWithErrors: string[];
}

/**
 * Expands `-f` arguments: a directory contributes its non-hidden `*.cfg`
 * files in byte order (management.txt §3 "-f"); a missing path is an error
 * naming it.
 */
export function expandConfigPaths(paths: string[], diag: Diagnostics): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      diag.alert('CFG_CANNOT_OPEN', `Cannot open configuration file/directory ${p} : ${describeFsError(err)}`);
      continue;
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const entries = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && e.name.endsWith('.cfg'))
      .map((e) => e.name)
      .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const name of entries) out.push(join(p, name));
  }
  return out;
}

/** strerror()-like text for a Node fs error, as haproxy prints errno. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    default: return (err as Error | undefined)?.message ?? String(err);
  }
}

class LineContextImpl implements LineContext {
  place: Place = { file: '', line: 0 };
  aborted = false;
  constructor(readonly diag: Diagnostics, readonly model: ConfigModel, readonly env: EnvLookup) {}

  alert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.alert(code, message, this.place, style);
  }

  nonFatalAlert(code: string, message: string, style?: PlaceStyle): void {
    this.diag.nonFatalAlert(code, message, this.place, style);
  }

  warning(code: string, message: string, style?: PlaceStyle): void {
    this.diag.warning(code, message, this.place, style);
  }

  notEnforced(what: string): void {
    this.diag.warning('CFG_NOT_ENFORCED', `${what} is parsed but not enforced yet by Switchyard.`, this.place);
  }

  abort(): void {
    this.aborted = true;
  }
}

/** Parses the given configuration files (already expanded) into a model. */
export function loadConfiguration(files: string[], opts: LoadOptions, diag: Diagnostics = new Diagnostics()): LoadResult {
  const model = createModel(files);
  const ctx = new LineContextImpl(diag, model, opts.env);
  const filesWithErrors: string[] = [];

  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (err) {
      diag.alert('CFG_CANNOT_OPEN', `Could not open configuration file ${file} : ${describeFsError(err)}`);
      filesWithErrors.push(file);
      continue;
    }
    const before = diag.alertCount;
    parseText(text, file, ctx, opts);
    if (diag.alertCount > before) filesWithErrors.push(file);
    if (ctx.aborted) {
      // haproxy.c: ERR_ABORT exits right after "Error(s) found in configuration file",
      // without "Fatal errors found in configuration." (e.g. an invalid http-request rule).
      markExitsImmediately(diag);
      break;
    }
  }

  if (!diag.hasAlerts()) runPostChecks(model, diag);
  return { model, diag, filesWithErrors };
}

/** haproxy stops a run after this many fatal errors (cfgparse.c). */
const MAX_FATAL_ERRORS = 50;

/**
 * Parses one file's text; exported for tests that feed strings.
 *
 * Follows readcfgfile(): lexer errors are reported even inside a false `.if`
 * block (only keyword lines are skipped there), a directive may stop the file
 * ('break') or the whole load ('abort'), a NUL byte stops the file after its
 * line, and a last line without LF is an error.
 */
export function parseText(text: string, file: string, ctx: LineContextImpl | LineContext, opts: LoadOptions): void {
  const c = ctx as LineContextImpl;
  const blocks = new ConditionalBlocks(opts.conditions);
  let parser: SectionParser<unknown> | undefined;
  let state: unknown;
  let open = false;
  let sectionName = '';
  let lastLine = 0;
  let stopFile = false;

  const lines = text.split('\n');
  // A final newline does not start one more line; a final line without one is reported below.
  const missingLf = lines.length > 0 && lines[lines.length - 1] !== '';
  if (!missingLf) lines.pop();

  for (let i = 0; i < lines.length && !stopFile; i++) {
    const raw = lines[i]!;
    lastLine = i + 1;
    c.place = { file, line: lastLine };
    if (c.diag.alertCount >= MAX_FATAL_ERRORS) {
      c.alert('CFG_TOO_MANY_ERRORS', `too many fatal errors (${MAX_FATAL_ERRORS}), stopping now.`, 'parsing-tight');
      c.aborted = true;
      return;
    }
    if (missingLf && i === lines.length - 1) {
      c.alert('CFG_MISSING_LF', `Missing LF on last line, file might have been truncated at position ${raw.length + 1}.`, 'parsing-tight');
      break;
    }
    const tokenized = tokenizeLine(raw, opts.env, { file, line: lastLine, section: sectionName });
    if (tokenized.strayNul !== undefined) stopFile = true;
    if (tokenized.scope !== undefined) continue;
    if (tokenized.error !== undefined) {
      c.alert(tokenized.error.code, tokenized.error.message, tokenized.error.spacedPrefix === true ? 'parsing' : 'parsing-tight');
      if (tokenized.error.stop === true) stopFile = true;
    } else {
      const words = tokenized.words;
      const first = words[0];
      if (first !== undefined && first !== '') {
        if (first.startsWith('.')) {
          const r = blocks.directive(words, tokenized.trailingEmptySlot === true);
          if (r.error !== undefined) c.alert(r.code ?? 'CFG_COND_BLOCK', r.error, 'parsing-tight');
          else if (r.report !== undefined) {
            c.diag.push({ severity: r.report.severity, code: r.report.code, message: r.report.message, place: c.place, style: 'parsing-tight' });
          }
          if (r.flow === 'abort') {
            c.aborted = true;
            markExitsImmediately(c.diag);
            return;
          }
          if (r.flow === 'break') break;
        } else if (blocks.active) {
          for (const w of tokenized.warnings ?? []) c.warning('CFG_LEXER_WARNING', w);
          const section = findSection(first);
          if (section !== undefined) {
            if (open && parser?.close !== undefined) parser.close(c, state);
            parser = section;
            sectionName = words[1] ?? first;
            state = section.open(c, words);
            open = state !== undefined;
          } else if (parser === undefined) {
            c.alert('CFG_OUT_OF_SECTION', `unknown keyword '${first}' out of section.`, 'parsing-tight');
          } else if (open) {
            // A section whose header failed still swallows its lines, as haproxy does.
            parser.line(c, state, words);
          }
          if (c.aborted) return;
        }
      }
    }
    if (tokenized.strayNul !== undefined) c.alert(tokenized.strayNul.code, tokenized.strayNul.message, 'parsing-tight');
  }

  const unclosed = blocks.finish();
  if (unclosed !== undefined) {
    c.place = { file, line: lastLine };
    c.alert(UNTERMINATED_BLOCK_CODE, unclosed, 'parsing-tight');
    // haproxy aborts here: no "Fatal errors found in configuration." follows.
    c.aborted = true;
    markExitsImmediately(c.diag);
    return;
  }
  if (open && parser?.close !== undefined) parser.close(c, state);
}

/** Flags the last alert as one after which haproxy exits without its closing line. */
function markExitsImmediately(diag: Diagnostics): void {
  const last = diag.list[diag.list.length - 1];
  if (last !== undefined && last.severity === 'alert') diag.list[diag.list.length - 1] = { ...last, exitsImmediately: true };
}

/** For tests and tools: a LineContext over a model, outside any file. */
export function createLineContext(model: ConfigModel, env: EnvLookup, diag = new Diagnostics()): LineContext & { place: Place } {
  return new LineContextImpl(diag, model, env);
}
