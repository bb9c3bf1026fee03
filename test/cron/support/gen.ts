import fc from "fast-check";

// Generated cron expressions, each with an independent oracle: the generator
// knows which values it put in each field, and the day rules below are
// written with Date.UTC, not with the engine's civil arithmetic or parser.

export interface DomSpec {
  text: string;
  values: number[];
  last: boolean;
  lastMinus: number[];
  nearest: number[];
  lastWeekday: boolean;
}

export interface DowSpec {
  text: string;
  /** 0-6, Sunday = 0 (7 already folded). */
  values: number[];
  last: number[];
  nth: Array<[weekday: number, k: number]>;
}

export interface GenCase {
  text: string;
  /** The same expression in croner's dialect, or null where croner has no equivalent. */
  croner: string | null;
  fields: 5 | 6 | 7;
  seconds: number[];
  minutes: number[];
  hours: number[];
  dom: DomSpec;
  months: number[];
  dow: DowSpec;
  years: number[] | null;
  /** Vixie cron's DST class: the minute or hour text begins with "*". */
  wildcard: boolean;
}

interface Part {
  text: string;
  values: number[];
  croner: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function range(lo: number, hi: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

const anyCase = fc.constantFrom<(s: string) => string>(
  (s) => s,
  (s) => s.toLowerCase(),
  (s) => s[0] + s.slice(1).toLowerCase(),
);

/** One list item of a numeric field (no "*"): a, a-b, a-b/n, a/n. */
function item(min: number, max: number, names?: string[], nameBase = 0): fc.Arbitrary<Part> {
  const name = (v: number, c: (s: string) => string, useName: boolean) =>
    names && useName && v - nameBase < names.length ? c(names[v - nameBase] as string) : String(v);
  const value = fc
    .tuple(fc.integer({ min, max }), anyCase, fc.boolean())
    .map(([v, c, n]) => ({ text: name(v, c, n), values: [v], croner: true }));
  const span = fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => ({
    lo: Math.min(a, b),
    hi: Math.max(a, b),
  }));
  const rangeItem = fc.tuple(span, anyCase, fc.boolean()).map(([{ lo, hi }, c, n]) => {
    // Day-of-week 7 may end a range as SUN (MON-SUN).
    const sunday = max === 7 && hi === 7 && lo > 0 && n;
    const text = `${name(lo, c, n)}-${sunday ? c("SUN") : name(hi, c, n)}`;
    // croner reads SUN-SUN as 0-7, every day.
    return { text, values: range(lo, hi), croner: !/^sun-sun$/i.test(text) };
  });
  const stepMax = Math.max(2, Math.floor((max - min + 1) / 2));
  const rangeStep = fc.tuple(span, fc.integer({ min: 1, max: stepMax })).map(([{ lo, hi }, n]) => ({
    text: `${lo}-${hi}/${n}`,
    values: range(lo, hi, n),
    croner: true,
  }));
  // "a/n" runs to the field's end; day-of-week's end is 6 (7 is only a second Sunday).
  const top = max === 7 ? 6 : max;
  const startStep = fc
    .tuple(fc.integer({ min, max: top }), fc.integer({ min: 1, max: stepMax }))
    .map(([a, n]) => ({ text: `${a}/${n}`, values: range(a, top, n), croner: true }));
  return fc.oneof(
    { arbitrary: value, weight: 4 },
    { arbitrary: rangeItem, weight: 2 },
    { arbitrary: rangeStep, weight: 1 },
    { arbitrary: startStep, weight: 1 },
  );
}

function join(parts: Part[]): Part {
  return {
    text: parts.map((p) => p.text).join(","),
    values: [...new Set(parts.flatMap((p) => p.values))].sort((a, b) => a - b),
    croner: parts.every((p) => p.croner),
  };
}

/** A whole numeric field: "*", "*\/n", or a list of 1-3 items. */
function field(min: number, max: number, names?: string[], nameBase = 0): fc.Arbitrary<Part> {
  const top = max === 7 ? 6 : max;
  const stepMax = Math.max(2, Math.floor((max - min + 1) / 2));
  return fc.oneof(
    { arbitrary: fc.constant({ text: "*", values: range(min, top), croner: true }), weight: 3 },
    {
      arbitrary: fc
        .integer({ min: 1, max: stepMax })
        .map((n) => ({ text: `*/${n}`, values: range(min, top, n), croner: true })),
      weight: 2,
    },
    {
      arbitrary: fc
        .array(item(min, max, names, nameBase), { minLength: 1, maxLength: 3 })
        .map(join),
      weight: 4,
    },
  );
}

const domSpecial = fc.oneof(
  fc.constant({ kind: "L" as const, n: 0 }),
  fc.constant({ kind: "LW" as const, n: 0 }),
  fc.integer({ min: 1, max: 7 }).map((n) => ({ kind: "L-" as const, n })),
  fc.integer({ min: 1, max: 31 }).map((n) => ({ kind: "W" as const, n })),
);

const domArb: fc.Arbitrary<DomSpec & { croner: boolean }> = fc.oneof(
  { arbitrary: field(1, 31).map((p) => plainDom(p)), weight: 6 },
  {
    arbitrary: fc.constant({ ...plainDom({ text: "?", values: range(1, 31), croner: true }) }),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.array(domSpecial, { minLength: 1, maxLength: 2 }), fc.option(item(1, 31)))
      .map(([specials, plain]) => {
        const spec = plainDom(plain ?? { text: "", values: [], croner: true });
        const texts = plain ? [plain.text] : [];
        for (const s of specials) {
          if (s.kind === "L") {
            spec.last = true;
            texts.push("L");
          } else if (s.kind === "LW") {
            spec.lastWeekday = true;
            texts.push("LW");
            // croner accepts LW only on its own.
            spec.croner = false;
          } else if (s.kind === "L-") {
            spec.lastMinus.push(s.n);
            texts.push(`L-${s.n}`);
            spec.croner = false;
          } else {
            spec.nearest.push(s.n);
            texts.push(`${s.n}W`);
          }
        }
        if (texts.length === 1 && texts[0] === "LW") spec.croner = true;
        spec.text = texts.join(",");
        return spec;
      }),
    weight: 2,
  },
);

function plainDom(p: Part): DomSpec & { croner: boolean } {
  return {
    text: p.text,
    values: p.values,
    last: false,
    lastMinus: [],
    nearest: [],
    lastWeekday: false,
    croner: p.croner,
  };
}

const dowSpecial = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 6 }), anyCase, fc.boolean()).map(([w, c, n]) => ({
    text: `${n ? c(DAYS[w] as string) : w}L`,
    cronerText: `${w}#L`,
    w,
    k: 0,
  })),
  fc
    .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 }), anyCase, fc.boolean())
    .map(([w, k, c, n]) => ({
      text: `${n && w < 7 ? c(DAYS[w] as string) : w}#${k}`,
      cronerText: `${w}#${k}`,
      w: w % 7,
      k,
    })),
);

type DowGen = DowSpec & { croner: boolean; cronerText: string };

const dowArb: fc.Arbitrary<DowGen> = fc.oneof(
  {
    arbitrary: field(0, 7, DAYS, 0).map((p) => ({
      text: p.text,
      cronerText: p.text,
      values: [...new Set(p.values.map((v) => v % 7))].sort(),
      last: [],
      nth: [],
      croner: p.croner,
    })),
    weight: 6,
  },
  {
    arbitrary: fc.constant<DowGen>({
      text: "?",
      cronerText: "?",
      values: range(0, 6),
      last: [],
      nth: [],
      croner: true,
    }),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.array(dowSpecial, { minLength: 1, maxLength: 2 }), fc.option(item(0, 7, DAYS, 0)))
      .map(([specials, plain]) => {
        const texts = plain ? [plain.text] : [];
        const cronerTexts = plain ? [plain.text] : [];
        const spec = {
          text: "",
          cronerText: "",
          values: plain ? [...new Set(plain.values.map((v) => v % 7))] : [],
          last: [] as number[],
          nth: [] as Array<[number, number]>,
          croner: plain ? plain.croner : true,
        };
        for (const s of specials) {
          texts.push(s.text);
          cronerTexts.push(s.cronerText);
          if (s.k === 0) spec.last.push(s.w);
          else spec.nth.push([s.w, s.k]);
        }
        spec.text = texts.join(",");
        spec.cronerText = cronerTexts.join(",");
        return spec;
      }),
    weight: 2,
  },
);

const yearArb = fc.oneof(
  fc.constant({ text: "*", values: null as number[] | null, croner: true }),
  fc
    .array(item(2020, 2099), { minLength: 1, maxLength: 2 })
    .map(join)
    // "a/n" runs to our last year, 2099; croner's to 9999.
    .map((p) => ({
      text: p.text,
      values: p.values as number[] | null,
      croner: !/(^|,)\d+\//.test(p.text),
    })),
);

export interface GenOptions {
  /** Allowed field counts (default 5, 6 and 7). */
  fields?: Array<5 | 6 | 7>;
  /** "every": day-of-month, month and day-of-week are "*", so that short windows see firings. */
  days?: "any" | "every";
}

const EVERY_DOM: DomSpec & { croner: boolean } = {
  ...plainDom({ text: "*", values: range(1, 31), croner: true }),
};
const EVERY_DOW: DowGen = {
  text: "*",
  cronerText: "*",
  values: range(0, 6),
  last: [],
  nth: [],
  croner: true,
};

/** A random valid-looking expression; callers skip the E_CRON_NEVER ones. */
export function cronCase(options: GenOptions = {}): fc.Arbitrary<GenCase> {
  const counts = options.fields ?? [5, 6, 7];
  return fc
    .record({
      n: fc.constantFrom(...counts),
      sec: field(0, 59),
      min: field(0, 59),
      hour: field(0, 23),
      dom: options.days === "every" ? fc.constant(EVERY_DOM) : domArb,
      month:
        options.days === "every"
          ? fc.constant({ text: "*", values: range(1, 12), croner: true })
          : field(1, 12, MONTHS, 1),
      dow: options.days === "every" ? fc.constant(EVERY_DOW) : dowArb,
      year: yearArb,
    })
    .map(({ n, sec, min, hour, dom, month, dow, year }) => {
      const parts = [min.text, hour.text, dom.text, month.text, dow.text];
      const cronerParts = [min.text, hour.text, dom.text, month.text, dow.cronerText];
      if (n >= 6) {
        parts.unshift(sec.text);
        cronerParts.unshift(sec.text);
      }
      if (n === 7) {
        parts.push(year.text);
        cronerParts.push(year.text);
      }
      const croner = dom.croner && dow.croner && month.croner && (n < 7 || year.croner);
      return {
        text: parts.join(" "),
        croner: croner ? cronerParts.join(" ") : null,
        fields: n,
        seconds: n >= 6 ? sec.values : [0],
        minutes: min.values,
        hours: hour.values,
        dom,
        months: month.values,
        dow,
        years: n === 7 ? year.values : null,
        wildcard: min.text.startsWith("*") || hour.text.startsWith("*"),
      } satisfies GenCase;
    });
}

// ---------------------------------------------------------------------------
// The oracle: does a wall-clock date-time match? Written with Date.UTC.

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export function domMatches(spec: DomSpec, y: number, m: number, d: number): boolean {
  const last = daysIn(y, m);
  if (spec.values.includes(d)) return true;
  if (spec.last && d === last) return true;
  if (spec.lastMinus.some((n) => d === last - n)) return true;
  if (spec.lastWeekday) {
    let lw = last;
    while (weekday(y, m, lw) === 0 || weekday(y, m, lw) === 6) lw--;
    if (d === lw) return true;
  }
  for (const n of spec.nearest) {
    if (n > last) continue;
    const wd = weekday(y, m, n);
    let target = n;
    if (wd === 6) target = n === 1 ? 3 : n - 1;
    if (wd === 0) target = n === last ? n - 2 : n + 1;
    if (d === target) return true;
  }
  return false;
}

export function dowMatches(spec: DowSpec, y: number, m: number, d: number): boolean {
  const wd = weekday(y, m, d);
  if (spec.values.includes(wd)) return true;
  if (spec.last.includes(wd) && d + 7 > daysIn(y, m)) return true;
  return spec.nth.some(([w, k]) => w === wd && Math.ceil(d / 7) === k);
}

export function dayMatches(
  c: GenCase,
  y: number,
  m: number,
  d: number,
  domAndDow = false,
): boolean {
  const unrestricted = (t: string) => t.startsWith("*") || t === "?";
  const or = !domAndDow && !unrestricted(c.dom.text) && !unrestricted(c.dow.text);
  const a = domMatches(c.dom, y, m, d);
  const b = dowMatches(c.dow, y, m, d);
  return or ? a || b : a && b;
}

/** Whether the wall time (read as UTC milliseconds) matches the expression's fields. */
export function wallMatches(c: GenCase, wall: number, domAndDow = false): boolean {
  const t = new Date(wall);
  if (t.getUTCMilliseconds() !== 0) return false;
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + 1;
  return (
    c.seconds.includes(t.getUTCSeconds()) &&
    c.minutes.includes(t.getUTCMinutes()) &&
    c.hours.includes(t.getUTCHours()) &&
    c.months.includes(m) &&
    (c.years === null || c.years.includes(y)) &&
    dayMatches(c, y, m, t.getUTCDate(), domAndDow)
  );
}
