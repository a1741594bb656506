/**
 * Health check statuses, as haproxy 2.6 names and describes them
 * (include/haproxy/check-t.h `enum healthcheck_status`, src/check.c
 * `check_statuses[]`). The description is the `reason:` of the state change
 * lines; statuses from L7OKD on also print `code: <n>`.
 */

/** What a status means for the health counter (check-t.h CHK_RES_*). */
export type CheckResultKind = 'unknown' | 'neutral' | 'failed' | 'passed' | 'condpass';

/** The finished-check statuses haproxy reports (HCHK_STATUS_*), by their short name. */
export type CheckStatus =
  | 'INI' | 'CHECKED' | 'HANA' | 'SOCKERR'
  | 'L4OK' | 'L4TOUT' | 'L4CON'
  | 'L6OK' | 'L6TOUT' | 'L6RSP'
  | 'L7TOUT' | 'L7RSP'
  | 'L7OK' | 'L7OKC' | 'L7STS'
  | 'PROCERR' | 'PROCTOUT' | 'PROCOK';

interface StatusInfo {
  readonly result: CheckResultKind;
  readonly description: string;
  /** Order in haproxy's enum: statuses after HCHK_STATUS_L57DATA carry a code. */
  readonly rank: number;
}

// check.c check_statuses[], in enum order.
const STATUSES: Readonly<Record<CheckStatus, StatusInfo>> = {
  INI: { result: 'unknown', description: 'Initializing', rank: 1 },
  CHECKED: { result: 'neutral', description: 'No status change', rank: 3 },
  HANA: { result: 'failed', description: 'Health analyze', rank: 4 },
  SOCKERR: { result: 'failed', description: 'Socket error', rank: 5 },
  L4OK: { result: 'passed', description: 'Layer4 check passed', rank: 6 },
  L4TOUT: { result: 'failed', description: 'Layer4 timeout', rank: 7 },
  L4CON: { result: 'failed', description: 'Layer4 connection problem', rank: 8 },
  L6OK: { result: 'passed', description: 'Layer6 check passed', rank: 9 },
  L6TOUT: { result: 'failed', description: 'Layer6 timeout', rank: 10 },
  L6RSP: { result: 'failed', description: 'Layer6 invalid response', rank: 11 },
  L7TOUT: { result: 'failed', description: 'Layer7 timeout', rank: 12 },
  L7RSP: { result: 'failed', description: 'Layer7 invalid response', rank: 13 },
  L7OK: { result: 'passed', description: 'Layer7 check passed', rank: 15 },
  L7OKC: { result: 'condpass', description: 'Layer7 check conditionally passed', rank: 16 },
  L7STS: { result: 'failed', description: 'Layer7 wrong status', rank: 17 },
  PROCERR: { result: 'failed', description: 'External check error', rank: 18 },
  PROCTOUT: { result: 'failed', description: 'External check timeout', rank: 19 },
  PROCOK: { result: 'passed', description: 'External check passed', rank: 20 },
};

/** check-t.h: HCHK_STATUS_L57DATA, the dummy status after which data (a code) is available. */
const L57DATA_RANK = 14;

/** The `reason:` text of a status ("Layer7 wrong status"). */
export function statusDescription(s: CheckStatus): string {
  return STATUSES[s].description;
}

/** What the status does to the health counter. */
export function statusResult(s: CheckStatus): CheckResultKind {
  return STATUSES[s].result;
}

/** srv_append_status(): `code: <n>` is printed for statuses >= HCHK_STATUS_L57DATA. */
export function statusHasCode(s: CheckStatus): boolean {
  return STATUSES[s].rank > L57DATA_RANK;
}

/**
 * tcpcheck.c: the status names accepted by `ok-status`, `error-status` and
 * `tout-status` (the names printed by `show servers state` / stats: L7OK...).
 */
export function parseStatusName(name: string, which: 'ok' | 'error' | 'tout'): CheckStatus | undefined {
  const allowed: Record<typeof which, readonly CheckStatus[]> = {
    ok: ['L7OK', 'L7OKC', 'L6OK', 'L4OK'],
    error: ['L7RSP', 'L7STS', 'L6RSP', 'L4CON'],
    tout: ['L7TOUT', 'L6TOUT', 'L4TOUT'],
  };
  return allowed[which].find((s) => s === name);
}

/** check.c HCHK_DESC_LEN: the info text is kept in a 128-byte buffer. */
export const CHECK_DESC_LEN = 128;

/**
 * The info text as haproxy stores it: a C string (cut at the first NUL byte)
 * of at most HCHK_DESC_LEN-1 characters (set_server_check_status()).
 */
export function clampDesc(desc: string): string {
  const nul = desc.indexOf('\0');
  const s = nul >= 0 ? desc.slice(0, nul) : desc;
  return s.length > CHECK_DESC_LEN - 1 ? s.slice(0, CHECK_DESC_LEN - 1) : s;
}

/**
 * tools.c chunk_asciiencode() with '"' as the quote: how srv_append_status()
 * writes the info text between double quotes. Non-printable bytes become
 * `\xHH`, tab/CR/LF become `\t`/`\r`/`\n`, the quote is escaped.
 */
export function asciiEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) & 0xff;
    if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x22) out += '\\"';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return out;
}

/** The outcome of one check run, before it is applied to the server. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  /** The info text ('' for none). */
  readonly desc: string;
  /** check->code: the HTTP status, the SMTP reply code, a process exit code... */
  readonly code: number;
  /**
   * How many times haproxy applies this result. haproxy 2.6 reports the
   * success of the MySQL and LDAP checks twice (their custom expect sets the
   * status, then the end of the rule set sets it again), so those servers go
   * UP after half the `rise` successes; we count the same.
   */
  readonly repeat?: number | undefined;
}
