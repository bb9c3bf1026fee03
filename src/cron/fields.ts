import { CronError } from "./errors.js";

// Parses the text of each field into bit masks. Pure and allocation-light:
// this runs once per parse, and parse is itself on the benchmark.

export const YEAR_MIN = 1970;
export const YEAR_MAX = 2099;

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Name list index of the first name (JAN = 1, SUN = 0). */
  nameBase?: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const SECOND: FieldSpec = { label: "second", min: 0, max: 59 };
const MINUTE: FieldSpec = { label: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { label: "hour", min: 0, max: 23 };
const DOM: FieldSpec = { label: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { label: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DOW: FieldSpec = { label: "day-of-week", min: 0, max: 7, names: DAYS, nameBase: 0 };
const YEAR: FieldSpec = { label: "year", min: YEAR_MIN, max: YEAR_MAX };

/** The compiled form of a classic cron expression (5, 6 or 7 fields). */
export interface CompiledFields {
  secLo: number;
  secHi: number;
  minLo: number;
  minHi: number;
  /** Bits 0-23. */
  hours: number;
  /** Plain day-of-month values, bits 1-31. */
  dom: number;
  /** `L`: the last day of the month. */
  domLast: boolean;
  /** `L-n`: bit n set for each offset n from the last day. */
  domLastMinus: number;
  /** `nW`: bit n set for the weekday nearest to day n. */
  domNearestWeekday: number;
  /** `LW`: the last weekday (Mon-Fri) of the month. */
  domLastWeekday: boolean;
  /** Bits 1-12. */
  months: number;
  /** Plain day-of-week values, bits 0-6 (Sunday = 0). */
  dow: number;
  /** `nL`: bit n set for "the last weekday n of the month". */
  dowLast: number;
  /** `n#k` for k = 1-4: bit ((k - 1) * 7 + n) set for "the k-th weekday n of the month". */
  dowNth: number;
  /** `n#5`: bit n set for "the fifth weekday n of the month". */
  dowNth5: number;
  /** Allowed years as bits of (year - 1970) in 32-bit words, or null for every year. */
  years: number[] | null;
  /** Vixie cron: a day field is restricted unless its text begins with `*` (or is `?`). */
  domRestricted: boolean;
  dowRestricted: boolean;
  /** Vixie cron's DST class: minute or hour field begins with `*`. */
  wildcard: boolean;
}

/** The macros that stand for a cron expression. */
export const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * The fields of an expression, split at white space (what `\S+` matches,
 * read by character codes). `base` 1 gives 1-based columns; 0 gives columns
 * 0 (a macro's fields are not where the user typed them).
 */
export function splitFields(text: string, base: number): FieldText[] {
  const parts: FieldText[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i === n) return parts;
    const start = i;
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    parts.push({ text: text.slice(start, i), column: base ? start + 1 : 0 });
  }
}

/** JavaScript's white space and line terminators: what `\s` and trim() take. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export interface FieldText {
  text: string;
  /** 1-based column of the field's first character in the expression. */
  column: number;
}

export function compileFields(
  expression: string,
  parts: FieldText[],
  seed: string,
): CompiledFields {
  const n = parts.length;
  if (n < 5 || n > 7) {
    throw new CronError(
      "E_CRON_SYNTAX",
      `expected 5 fields (minute hour day-of-month month day-of-week), 6 (seconds first) or 7 (seconds first, year last), but got ${n} in "${expression}"`,
      { expression },
    );
  }
  const withSeconds = n >= 6;
  const at = (i: number) => parts[i] as FieldText;
  const p = new FieldParser(expression, seed);
  const sec = withSeconds ? p.parse(SECOND, at(0), 0) : [1, 0];
  const o = withSeconds ? 1 : 0;
  const min = p.parse(MINUTE, at(o), 1);
  const hour = p.parse(HOUR, at(o + 1), 2);
  const dom = p.parse(DOM, at(o + 2), 3);
  const month = p.parse(MONTH, at(o + 3), 4);
  const dow = p.parse(DOW, at(o + 4), 5);
  const years = n === 7 ? p.parse(YEAR, at(6), 6) : null;
  const domText = at(o + 2).text;
  const dowText = at(o + 4).text;
  // Day-of-week 7 is Sunday: fold bit 7 onto bit 0.
  let dowBits = (dow[0] as number) & 0x7f;
  if ((dow[0] as number) & 0x80) dowBits |= 1;
  return {
    secLo: sec[0] as number,
    secHi: sec[1] as number,
    minLo: min[0] as number,
    minHi: min[1] as number,
    hours: hour[0] as number,
    dom: dom[0] as number,
    domLast: p.domLast,
    domLastMinus: p.domLastMinus,
    domNearestWeekday: p.domNearestWeekday,
    domLastWeekday: p.domLastWeekday,
    months: month[0] as number,
    dow: dowBits,
    dowLast: p.dowLast,
    dowNth: p.dowNth,
    dowNth5: p.dowNth5,
    years: years && !isFullYears(at(6).text) ? years : null,
    domRestricted: !isUnrestricted(domText),
    dowRestricted: !isUnrestricted(dowText),
    wildcard: at(o).text.startsWith("*") || at(o + 1).text.startsWith("*"),
  };
}

function isUnrestricted(text: string): boolean {
  return text.startsWith("*") || text === "?";
}

function isFullYears(text: string): boolean {
  return text === "*" || text === "?";
}

class FieldParser {
  domLast = false;
  domLastMinus = 0;
  domNearestWeekday = 0;
  domLastWeekday = false;
  dowLast = 0;
  dowNth = 0;
  dowNth5 = 0;
  readonly #expression: string;
  readonly #seed: string;

  constructor(expression: string, seed: string) {
    this.#expression = expression;
    this.#seed = seed;
  }

  /** Returns the field's values as 32-bit words (bit v - 32 * word). */
  parse(spec: FieldSpec, field: FieldText, index: number): number[] {
    const words = spec === YEAR ? [0, 0, 0, 0, 0] : spec.max >= 32 ? [0, 0] : [0];
    const offset = spec === YEAR ? YEAR_MIN : 0;
    const { text } = field;
    let start = 0;
    for (;;) {
      const comma = text.indexOf(",", start);
      const end = comma < 0 ? text.length : comma;
      const item = text.slice(start, end);
      const column = field.column + start;
      if (item === "") this.#fail(spec, "empty list item", "", column);
      if (!addPlainItem(spec, item, words, offset)) {
        this.#item(spec, item, column, index, words, offset);
      }
      if (comma < 0) break;
      start = comma + 1;
    }
    return words;
  }

  #item(
    spec: FieldSpec,
    raw: string,
    column: number,
    index: number,
    words: number[],
    offset: number,
  ): void {
    // ASCII only, so that offsets in `item` are columns in `raw`.
    const item = raw.replace(/[a-z]/g, (c) => c.toUpperCase());
    const isDay = spec === DOM || spec === DOW;
    const slash = item.indexOf("/");
    const base = slash < 0 ? item : item.slice(0, slash);
    const step = slash < 0 ? 0 : this.#step(spec, item.slice(slash + 1), column + slash + 1);
    // For stepping, day-of-week runs 0-6 (7 is only another name for Sunday).
    const top = spec === DOW ? 6 : spec.max;

    if (base === "*" || base === "?") {
      if (base === "?" && !isDay) {
        this.#fail(
          spec,
          `"?" is only allowed in the day-of-month and day-of-week fields`,
          raw,
          column,
        );
      }
      addRange(words, spec.min - offset, top - offset, step || 1);
      return;
    }
    if (base.startsWith("H")) {
      let lo = spec.min;
      // As in Jenkins, a bare H in day-of-month picks from 1-28, days every
      // month has; otherwise "H" could be the 30th and skip February.
      let hi = spec === DOM ? 28 : top;
      if (base !== "H") {
        const m = /^H\((\w+)-(\w+)\)$/.exec(base);
        if (!m) this.#fail(spec, `"${raw}" is not H, H(a-b), H/n or H(a-b)/n`, raw, column);
        const mm = m as RegExpExecArray;
        lo = this.#value(spec, mm[1] as string, column + 2);
        hi = this.#value(spec, mm[2] as string, column + 3 + (mm[1] as string).length);
        if (lo > hi)
          this.#fail(
            spec,
            `range ${lo}-${hi} goes backwards; write the smaller value first`,
            raw,
            column,
          );
      }
      const h = hashField(this.#seed, index);
      if (step) {
        addRange(words, lo + (h % Math.min(step, hi - lo + 1)) - offset, hi - offset, step);
      } else {
        const v = lo + (h % (hi - lo + 1)) - offset;
        addRange(words, v, v, 1);
      }
      return;
    }
    if (spec === DOM && this.#domSpecial(base, raw, column, slash)) return;
    if (spec === DOW && this.#dowSpecial(base, raw, column, slash)) return;
    // Names such as JUL and WED contain L or W: only complain about a part of
    // a range that is not a name ("WED-7" and "5-JUL" are fine, "5L-6" is not).
    if (base.split("-").some((part) => /[LW#]/.test(part) && !spec.names?.includes(part))) {
      const allowed =
        spec === DOM
          ? "L, L-n, LW and nW are the special forms of the day-of-month field"
          : spec === DOW
            ? "nL and n#k are the special forms of the day-of-week field"
            : "L, W and # are only allowed in the day-of-month and day-of-week fields";
      this.#fail(spec, `"${raw}" is not allowed here (${allowed})`, raw, column);
    }
    const dash = base.indexOf("-", 1);
    const lo = this.#value(spec, dash < 0 ? base : base.slice(0, dash), column);
    let hi = lo;
    if (dash >= 0) {
      hi = this.#value(spec, base.slice(dash + 1), column + dash + 1);
      // SUN ends a week that starts on Monday: FRI-SUN is 5-7, as 0 and 7 are both Sunday.
      if (spec === DOW && hi === 0 && lo > 0 && base.endsWith("-SUN")) hi = 7;
      if (lo > hi) {
        this.#fail(
          spec,
          `range ${base} goes backwards; write the smaller value first`,
          raw,
          column,
        );
      }
    } else if (step) {
      hi = Math.max(top, lo);
    }
    addRange(words, lo - offset, hi - offset, step || 1);
  }

  #domSpecial(base: string, raw: string, column: number, slash: number): boolean {
    const lastMinus = /^L-(\d+)$/.exec(base);
    const nearest = /^(\d+)W$/.exec(base);
    if (base === "L") this.domLast = true;
    else if (base === "LW") this.domLastWeekday = true;
    else if (lastMinus) {
      const n = Number(lastMinus[1]);
      if (n > 30)
        this.#fail(
          DOM,
          `L-${n}: the offset from the last day must be 0-30`,
          lastMinus[1] as string,
          column + 2,
        );
      if (n === 0) this.domLast = true;
      else this.domLastMinus |= 1 << n;
    } else if (nearest) {
      const n = Number(nearest[1]);
      if (n < 1 || n > 31) this.#fail(DOM, `${n}W: the day must be 1-31`, raw, column);
      this.domNearestWeekday |= 1 << n;
    } else return false;
    if (slash >= 0) this.#fail(DOM, `"${raw}" cannot take a step`, raw, column);
    return true;
  }

  #dowSpecial(base: string, raw: string, column: number, slash: number): boolean {
    const last = DAYS.includes(base) ? null : /^(\w+)L$/.exec(base);
    const nth = /^(\w+)#(\w*)$/.exec(base);
    if (base === "L") {
      this.#fail(
        DOW,
        `"L" alone is ambiguous here; write 6 for Saturday or nL (such as 5L) for the last weekday n of the month`,
        raw,
        column,
      );
    }
    if (last) {
      const w = this.#value(DOW, last[1] as string, column) % 7;
      this.dowLast |= 1 << w;
    } else if (nth) {
      const w = this.#value(DOW, nth[1] as string, column) % 7;
      const k = Number(nth[2]);
      if (!/^[1-5]$/.test(nth[2] as string)) {
        this.#fail(
          DOW,
          `in "${raw}" the occurrence after # must be 1-5`,
          nth[2] as string,
          column + (nth[1] as string).length + 1,
        );
      }
      if (k === 5) this.dowNth5 |= 1 << w;
      else this.dowNth |= 1 << ((k - 1) * 7 + w);
    } else return false;
    if (slash >= 0) this.#fail(DOW, `"${raw}" cannot take a step`, raw, column);
    return true;
  }

  #value(spec: FieldSpec, upper: string, column: number): number {
    // Fields are matched upper-cased; quote the token as the user wrote it.
    const token =
      column > 0 ? this.#expression.slice(column - 1, column - 1 + upper.length) : upper;
    if (/^\d+$/.test(upper)) {
      const v = Number(upper);
      if (v < spec.min || v > spec.max) {
        this.#fail(spec, `${token} is out of range ${spec.min}-${spec.max}`, token, column);
      }
      return v;
    }
    if (spec.names) {
      const i = spec.names.indexOf(upper);
      if (i >= 0) return i + (spec.nameBase ?? 0);
      const kind = spec === MONTH ? "month name (JAN-DEC)" : "day name (SUN-SAT)";
      this.#fail(
        spec,
        `"${token}" is not a ${kind} or a number ${spec.min}-${spec.max}`,
        token,
        column,
      );
    }
    if (upper === "") this.#fail(spec, `a value is missing`, token, column);
    return this.#fail(spec, `"${token}" is not a number ${spec.min}-${spec.max}`, token, column);
  }

  #step(spec: FieldSpec, token: string, column: number): number {
    const span = (spec === DOW ? 6 : spec.max) - spec.min + 1;
    const n = /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= 1 && n <= span)) {
      this.#fail(spec, `step "${token}" must be a whole number 1-${span}`, token, column);
    }
    return n;
  }

  #fail(spec: FieldSpec, why: string, token: string, column: number): never {
    throw new CronError(
      "E_CRON_SYNTAX",
      `${spec.label} field: ${why} (column ${column} of "${this.#expression}")`,
      { expression: this.#expression, field: spec.label, token, column },
    );
  }
}

/**
 * The common items (`*`, `n`, `a-b`, with or without `/step`) read with
 * character codes instead of regular expressions and slices. Returns false
 * for anything else, and for anything invalid: #item then reads it again,
 * the same way as before, and names the error.
 */
function addPlainItem(spec: FieldSpec, item: string, words: number[], offset: number): boolean {
  const len = item.length;
  let i = 0;
  let lo: number;
  let hi: number;
  const top = spec === DOW ? 6 : spec.max;
  let star = false;
  if (item.charCodeAt(0) === STAR) {
    star = true;
    lo = spec.min;
    hi = top;
    i = 1;
  } else {
    i = digitsEnd(item, 0);
    if (i === 0) return false;
    lo = digitsValue(item, 0, i);
    if (lo < spec.min || lo > spec.max) return false;
    hi = lo;
    if (i < len && item.charCodeAt(i) === DASH) {
      const from = i + 1;
      i = digitsEnd(item, from);
      if (i === from) return false;
      hi = digitsValue(item, from, i);
      if (hi < lo || hi > spec.max) return false;
    }
  }
  let step = 1;
  if (i < len) {
    if (item.charCodeAt(i) !== SLASH) return false;
    const from = i + 1;
    i = digitsEnd(item, from);
    if (i !== len || i === from) return false;
    step = digitsValue(item, from, i);
    if (step < 1 || step > top - spec.min + 1) return false;
    // "n/step" runs to the end of the field (as in #item).
    if (!star && item.indexOf("-") < 0) hi = Math.max(top, lo);
  }
  addRange(words, lo - offset, hi - offset, step);
  return true;
}

/** Where the run of digits at `from` ends; at most 6 of them are read. */
function digitsEnd(item: string, from: number): number {
  let i = from;
  // Past the end charCodeAt is NaN, which is no digit either.
  for (
    let c = item.charCodeAt(i);
    c >= ZERO && c <= NINE && i - from < 6;
    c = item.charCodeAt(++i)
  );
  return i;
}

/** The number the digits item[from, to) spell. */
function digitsValue(item: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (item.charCodeAt(i) - ZERO);
  return n;
}

const STAR = 42;
const DASH = 45;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;

/** Sets bits lo, lo + step, … up to hi (bit b is bit b % 32 of word b / 32). */
function addRange(words: number[], lo: number, hi: number, step: number): void {
  if (step !== 1) {
    for (let b = lo; b <= hi; b += step) {
      words[b >>> 5] = (words[b >>> 5] as number) | (1 << (b & 31));
    }
    return;
  }
  // A run of bits: one mask per word instead of a bit at a time.
  for (let w = lo >>> 5; w <= hi >>> 5; w++) {
    const a = Math.max(lo - w * 32, 0);
    const b = Math.min(hi - w * 32, 31);
    const upTo = b === 31 ? -1 : ((1 << (b + 1)) - 1) | 0;
    words[w] = (words[w] as number) | (upTo & (-1 << a));
  }
}

/** A stable value per (seed, field), as Jenkins' H: FNV-1a, then a murmur3 finaliser. */
export function hashField(seed: string, field: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= field + 1;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
