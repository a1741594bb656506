/**
 * The hook between the HTTP rules (rules.ts) and the error pages: `deny`,
 * `tarpit` and `return` replies that name error pages (`default-errorfiles`,
 * implied by a bare `deny`/`tarpit`; `errorfile`; `errorfiles`) are resolved
 * here against the stream's proxies, and every `tarpit` reply is marked so
 * the stream holds it for `timeout tarpit` (http_act.c
 * http_action_req_tarpit(), http_ana.c http_process_tarpit()).
 */
import type { SampleContext } from '../sample/context.js';
import { compileRulePage } from './error-pages.js';
import type { CompileEnv } from '../sample/compile.js';
import type { HttpReplyData } from './rule-model.js';
import type { RuleOutcome } from './rules.js';

type ReplyFn = (s: SampleContext) => RuleOutcome | undefined;

/**
 * Compiles a `deny`/`tarpit`/`return` reply (error-pages.ts
 * compileRulePage()); `own` (the rules' builder) only serves a reply
 * without parsed data.
 */
export function errorAwareReply<S extends SampleContext>(
  d: HttpReplyData | undefined,
  action: string,
  own: (d: HttpReplyData | undefined, action: string) => (s: S) => RuleOutcome | undefined,
  env: CompileEnv = {},
): (s: S) => RuleOutcome | undefined {
  const page = compileRulePage(d, action, env);
  const tarpit = action === 'tarpit';
  if (page !== undefined) {
    // `return` is the proxy's own answer: logged LR/LH, deny and tarpit PR/PH/PT (src/log/http-log.ts).
    const local = action === 'return';
    const fn: ReplyFn = (s) => ({ kind: 'reply', bytes: page(s), close: false, tarpit, local });
    return fn;
  }
  const base = own(d, action);
  if (!tarpit) return base;
  return (s) => {
    const o = base(s);
    return o !== undefined && o.kind === 'reply' ? { ...o, tarpit: true } : o;
  };
}
