/**
 * strftime(3) as glibc implements it in the "C" locale, for the ltime and
 * utime converters (configuration.txt §7.3.1 "ltime"/"utime", which hand
 * the format to strftime()). Supports the POSIX and GNU conversions, the
 * `-`, `_`, `0`, `^` and `#` flags, and a field width.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The broken-down time (struct tm) strftime() works on. */
export interface BrokenDownTime {
  readonly year: number;
  readonly month: number;
  readonly mday: number;
  readonly hour: number;
  readonly min: number;
  readonly sec: number;
  readonly wday: number;
  readonly yday: number;
  /** Offset east of UTC in seconds (tm_gmtoff). */
  readonly gmtoff: number;
  /** tm_zone: "GMT" for gmtime(). */
  readonly zone: string;
  /** Seconds since the epoch. */
  readonly epoch: number;
}

function dayOfYear(y: number, m: number, d: number): number {
  return Math.round((Date.UTC(y, m, d) - Date.UTC(y, 0, 1)) / 86400000);
}

/** gmtime(): undefined when the date is out of range. */
export function gmtime(epoch: number): BrokenDownTime | undefined {
  const d = new Date(epoch * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const md = d.getUTCDate();
  return { year: y, month: m, mday: md, hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds(), wday: d.getUTCDay(), yday: dayOfYear(y, m, md), gmtoff: 0, zone: 'GMT', epoch };
}

let zoneFmt: Intl.DateTimeFormat | undefined;

/** localtime(): the process time zone (TZ), as JS Date's local methods use it. */
export function localtime(epoch: number): BrokenDownTime | undefined {
  const d = new Date(epoch * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const y = d.getFullYear();
  const m = d.getMonth();
  const md = d.getDate();
  zoneFmt ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const zonePart = zoneFmt.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  const gmtoff = -d.getTimezoneOffset() * 60;
  const zone = zonePart === 'UTC' || zonePart === 'GMT' ? (gmtoff === 0 ? 'UTC' : zonePart) : zonePart;
  return { year: y, month: m, mday: md, hour: d.getHours(), min: d.getMinutes(), sec: d.getSeconds(), wday: d.getDay(), yday: dayOfYear(y, m, md), gmtoff, zone, epoch };
}

/** ISO 8601 week-based year and week number (%G, %g, %V). */
function isoWeek(t: BrokenDownTime): { year: number; week: number } {
  const wdayMon = (t.wday + 6) % 7; // Monday = 0
  let year = t.year;
  // Thursday of the same ISO week decides the year
  const thursdayYday = t.yday - wdayMon + 3;
  const daysInYear = (yy: number): number => (yy % 4 === 0 && (yy % 100 !== 0 || yy % 400 === 0) ? 366 : 365);
  let yd = thursdayYday;
  if (yd < 0) {
    year--;
    yd += daysInYear(year);
  } else if (yd >= daysInYear(year)) {
    yd -= daysInYear(year);
    year++;
  }
  return { year, week: Math.floor(yd / 7) + 1 };
}

function pad(n: number, width: number, padChar: string): string {
  const neg = n < 0;
  let s = String(Math.abs(n));
  while (s.length < width) s = padChar + s;
  return neg ? '-' + s : s;
}

/** Formats `t` with `fmt` like glibc strftime() in the C locale. */
export function strftime(fmt: string, t: BrokenDownTime): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const start = i;
    let flag = '';
    while ('-_0^#'.includes(fmt[i + 1] ?? 'x') && i + 1 < fmt.length) flag = fmt[++i]!;
    let width = '';
    while (/[0-9]/.test(fmt[i + 1] ?? 'x')) width += fmt[++i]!;
    while (fmt[i + 1] === 'E' || fmt[i + 1] === 'O') i++;
    const conv = fmt[++i];
    if (conv === undefined) {
      out += fmt.slice(start);
      break;
    }
    const w = width === '' ? undefined : Number(width);
    const num = (n: number, defWidth: number, defPad = '0'): string => {
      const p = flag === '-' ? '' : flag === '_' ? ' ' : flag === '0' ? '0' : defPad;
      return p === '' ? String(n) : pad(n, w ?? defWidth, p);
    };
    const txt = (s: string): string => {
      let r = flag === '^' ? s.toUpperCase() : flag === '#' ? (s === s.toUpperCase() ? s.toLowerCase() : s.toUpperCase()) : s;
      if (w !== undefined) while (r.length < w) r = (flag === '0' ? '0' : ' ') + r;
      return r;
    };
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (conv) {
      case 'a': out += txt(DAYS[t.wday]!.slice(0, 3)); break;
      case 'A': out += txt(DAYS[t.wday]!); break;
      case 'b': case 'h': out += txt(MONTHS[t.month]!.slice(0, 3)); break;
      case 'B': out += txt(MONTHS[t.month]!); break;
      case 'c': out += txt(strftime('%a %b %e %H:%M:%S %Y', t)); break;
      case 'C': out += num(Math.floor(t.year / 100), 2); break;
      case 'd': out += num(t.mday, 2); break;
      case 'D': out += txt(strftime('%m/%d/%y', t)); break;
      case 'e': out += num(t.mday, 2, ' '); break;
      case 'F': out += txt(strftime('%Y-%m-%d', t)); break;
      case 'G': out += num(isoWeek(t).year, 1); break;
      case 'g': out += num(((isoWeek(t).year % 100) + 100) % 100, 2); break;
      case 'H': out += num(t.hour, 2); break;
      case 'I': out += num(h12, 2); break;
      case 'j': out += num(t.yday + 1, 3); break;
      case 'k': out += num(t.hour, 2, ' '); break;
      case 'l': out += num(h12, 2, ' '); break;
      case 'm': out += num(t.month + 1, 2); break;
      case 'M': out += num(t.min, 2); break;
      case 'n': out += '\n'; break;
      case 'p': out += txt(t.hour < 12 ? 'AM' : 'PM'); break;
      case 'P': out += txt(t.hour < 12 ? 'am' : 'pm'); break;
      case 'r': out += txt(strftime('%I:%M:%S %p', t)); break;
      case 'R': out += txt(strftime('%H:%M', t)); break;
      case 's': out += num(t.epoch, 1); break;
      case 'S': out += num(t.sec, 2); break;
      case 't': out += '\t'; break;
      case 'T': out += txt(strftime('%H:%M:%S', t)); break;
      case 'u': out += num(t.wday === 0 ? 7 : t.wday, 1); break;
      case 'U': out += num(Math.floor((t.yday + 7 - t.wday) / 7), 2); break;
      case 'V': out += num(isoWeek(t).week, 2); break;
      case 'w': out += num(t.wday, 1); break;
      case 'W': out += num(Math.floor((t.yday + 7 - ((t.wday + 6) % 7)) / 7), 2); break;
      case 'x': out += txt(strftime('%m/%d/%y', t)); break;
      case 'X': out += txt(strftime('%H:%M:%S', t)); break;
      case 'y': out += num(((t.year % 100) + 100) % 100, 2); break;
      case 'Y': out += num(t.year, 1); break;
      case 'z': {
        const off = Math.abs(t.gmtoff);
        out += (t.gmtoff < 0 ? '-' : '+') + pad(Math.floor(off / 3600), 2, '0') + pad(Math.floor((off % 3600) / 60), 2, '0');
        break;
      }
      case 'Z': out += txt(t.zone); break;
      case '%': out += '%'; break;
      default:
        // glibc copies an unknown conversion as written
        out += fmt.slice(start, i + 1);
    }
  }
  return out;
}
