/**
 * `program <name>` sections (configuration.txt §3.7): external processes the
 * master starts in master-worker mode. haproxy 2.6 parses them in
 * mworker-prog.c cfg_parse_program() and checks them once parsing is over
 * (cfg_program_postparser()): each needs a `command`, and master-worker mode.
 */
import type { ProgramSection } from '../model/sections.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { tooManyArgs } from '../proxy/util.js';
import { markAbort, nonFatalAlert } from '../global/diagnostic-helpers.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { systemId } from '../global/system-ids.js';

interface ProgramState {
  section: ProgramSection | undefined;
}

function parseLine(ctx: LineContext, s: ProgramSection | undefined, words: string[], kwm: string): void {
  const kw = words[0] ?? '';
  const arg = words[1] ?? '';
  if (kw === 'command') {
    if (arg === '') return ctx.alert('CFG_PROGRAM_USAGE', `'command' expects a command with optional arguments separated in words.`, 'parsing-tight');
    if (s !== undefined) s.command = words.slice(1);
    return;
  }
  if (kw === 'option') {
    if (arg === '') return ctx.alert('CFG_PROGRAM_USAGE', `'option' expects an option name.`, 'parsing-tight');
    if (arg !== 'start-on-reload') return ctx.alert('CFG_PROGRAM_BAD_OPTION', `unknown option '${arg}'.`);
    if (tooManyArgs(ctx, words, 0, 1)) return;
    if (s !== undefined && kwm !== 'default') s.startOnReload = kwm !== 'no';
    return;
  }
  if (kw === 'user' || kw === 'group') {
    if (arg === '') return ctx.alert('CFG_PROGRAM_USAGE', `'${kw}' expects a ${kw} name.`, 'parsing-tight');
    if (tooManyArgs(ctx, words, 1)) return;
    const already = kw === 'user' ? s?.user : s?.group;
    if (already !== undefined) {
      return nonFatalAlert(ctx, 'CFG_PROGRAM_ALREADY_SET', kw === 'user' ? 'user/uid already specified. Continuing.' : 'group/gid already specified. Continuing.');
    }
    if (systemId(kw === 'user' ? '/etc/passwd' : '/etc/group', arg) === undefined) {
      return ctx.alert('CFG_PROGRAM_UNKNOWN_ID', `cannot find ${kw} id for '${arg}' (0:Success)`);
    }
    if (s !== undefined) {
      if (kw === 'user') s.user = arg;
      else s.group = arg;
    }
    return;
  }
  ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'program' section`);
}

/** `use_program` in haproxy: set once any program line parsed cleanly. */
const usedBy = new WeakSet<object>();

export const programSection: SectionParser<ProgramState> = {
  keyword: 'program',
  displayName: 'program',
  open(ctx, words) {
    if (tooManyArgs(ctx, words, 1)) {
      markAbort(ctx);
      return { section: undefined };
    }
    const name = words[1] ?? '';
    if (name === '') {
      ctx.alert('CFG_PROGRAM_MISSING_NAME', `'program' expects an <id> argument`);
      markAbort(ctx);
      return { section: undefined };
    }
    if (ctx.model.programs.some((p) => p.name === name)) {
      ctx.alert('CFG_PROGRAM_DUPLICATE', `'${name}' program section already exists in the configuration.`, 'parsing-tight');
      markAbort(ctx);
      return { section: undefined };
    }
    const section: ProgramSection = { name, place: ctx.place, directives: [], startOnReload: true };
    ctx.model.programs.push(section);
    usedBy.add(ctx.model);
    ctx.notEnforced(`'program ${name}' (lands with master-worker programs)`);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words, kwm } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    if (st.section === undefined) {
      // After an error haproxy has freed the program ("goto error"): only the
      // checks made before it is used still report anything.
      const arg = words[1] ?? '';
      if (kw === 'command' && arg === '') parseLine(ctx, undefined, words, kwm);
      if ((kw === 'user' || kw === 'group') && arg === '') parseLine(ctx, undefined, words, kwm);
      return;
    }
    const before = ctx.diag.list.length;
    parseLine(ctx, st.section, words, kwm);
    const added = ctx.diag.list.slice(before);
    // lookups of unknown users/groups keep the program; every other error drops it
    if (added.some((d) => d.severity === 'alert' && d.fatal !== false && d.code !== 'CFG_PROGRAM_UNKNOWN_ID')) {
      const i = ctx.model.programs.indexOf(st.section);
      if (i >= 0) ctx.model.programs.splice(i, 1);
      st.section = undefined;
      return;
    }
    usedBy.add(ctx.model);
  },
};

registerSection(programSection);

/** cfg_program_postparser(): a command for each program, and master-worker mode (`-W` or `master-worker`). */
registerPostCheck('program-sections', (model, diag) => {
  for (const p of model.programs) {
    if (p.command === undefined) diag.push({ severity: 'alert', code: 'CFG_PROGRAM_NO_COMMAND', message: `The program section '${p.name}' lacks a command to launch.` });
  }
  if (usedBy.has(model) && !model.global.masterWorker) {
    diag.push({ severity: 'alert', code: 'CFG_PROGRAM_NO_MASTER', message: `Can't use a 'program' section without master worker mode.` });
  }
}, 113);
