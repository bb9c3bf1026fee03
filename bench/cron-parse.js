// Parse time and memory per parsed schedule: ours against croner and
// cron-parser.
//
// parseSchedule interns schedules in a cache of 10,000 entries keyed by the
// text, so a real parse needs a text it has not seen lately. Each expression
// is therefore parsed as 32,768 variants that differ only in their spacing
// ("0  9 * *   1-5"): the same fields, distinct texts, cycled in order so
// that every one has left the cache before it comes back. A second pool of
// distinct, realistic expressions (different values and shapes) gives the
// mixed figure and the memory per schedule.

import { CronExpressionParser } from "cron-parser";
import { Cron } from "croner";
import { parseSchedule } from "../dist/index.js";
import { EXPRESSIONS } from "./cron-next.js";
import { code, table } from "./lib/markdown.js";
import {
  formatBytes,
  formatNs,
  formatRatio,
  geomean,
  heapPerItem,
  measureAll,
} from "./lib/measure.js";
import { versionOf } from "./lib/packages.js";

const VARIANTS = 32_768; // > 10,000, the size of parseSchedule's cache
const MEMORY_COUNT = 10_000;
const UTC = { timezone: "UTC" };

export default async function cronParse() {
  const mixed = mixedPool(VARIANTS);
  // Memory first, while our cache is still empty: every schedule parsed here
  // is then new, and the growth includes its cache entry.
  const memory = {
    ours: heapPerItem((i) => parseSchedule(mixed[i], UTC), MEMORY_COUNT),
    croner: heapPerItem((i) => new Cron(mixed[i]), MEMORY_COUNT),
    parser: heapPerItem((i) => CronExpressionParser.parse(mixed[i]), MEMORY_COUNT),
  };
  process.stderr.write(
    `  memory per schedule: ours ${formatBytes(memory.ours)}, croner ${formatBytes(memory.croner)}, cron-parser ${formatBytes(memory.parser)}\n`,
  );

  const rows = [];
  for (const expression of EXPRESSIONS) {
    rows.push({ expression, ...timeParsers(spacings(expression, VARIANTS), expression) });
  }
  rows.push({ expression: null, ...timeParsers(mixed, mixed[0]) });
  for (const r of rows) {
    process.stderr.write(
      `  ${r.expression ?? "mixed"}: ours ${formatNs(r.ours)} (cached ${formatNs(r.cached)}), croner ${formatNs(r.croner)}, cron-parser ${formatNs(r.parser)}\n`,
    );
  }
  // The default zone (TZ) is read on every call: worth showing on its own.
  const [noZone] = measureAll([repeat(() => parseSchedule(EXPRESSIONS[2]).expression.length)], {
    samples: 3,
  });
  return report(rows, memory, noZone.ns);
}

/** Times a real parse by each library over `texts` (cycled), and our cached parse of `cachedText`. */
function timeParsers(texts, cachedText) {
  const [ours, croner, parser, cached] = measureAll(
    [
      cycle(texts, (t) => parseSchedule(t, UTC).expression.length),
      cycle(texts, (t) => new Cron(t).getPattern().length),
      cycle(texts, (t) => CronExpressionParser.parse(t).fields.minute.values.length),
      repeat(() => parseSchedule(cachedText, UTC).expression.length),
      // More and longer samples than the default: the cost of a parse that
      // evicts from our cache varies with the state of the cache's Map.
    ],
    { samples: 9, sampleMs: 30 },
  );
  return { ours: ours.ns, croner: croner.ns, parser: parser.ns, cached: cached.ns };
}

function cycle(texts, parse) {
  let k = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += parse(texts[k]);
      k = k + 1 === texts.length ? 0 : k + 1;
    }
    return acc;
  };
}

function repeat(parse) {
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += parse();
    return acc;
  };
}

/** `count` texts with the fields of `expression` and distinct spacing: 1-8 spaces per gap, 0-7 in front. */
function spacings(expression, count) {
  const fields = expression.split(" ");
  const texts = [];
  for (let i = 0; i < count; i++) {
    let v = i;
    let text = " ".repeat(v & 7);
    v >>= 3;
    for (let f = 0; f < fields.length; f++) {
      if (f > 0) {
        text += " ".repeat(1 + (v & 7));
        v >>= 3;
      }
      text += fields[f];
    }
    texts.push(text);
  }
  if (new Set(texts).size !== count) throw new Error(`spacing variants of "${expression}" repeat`);
  return texts;
}

/** `count` distinct expressions of the kinds a job table holds, in a fixed pseudo-random order. */
function mixedPool(count) {
  let seed = 0x2545f491;
  const rand = (n) => {
    // mulberry32: a small, seeded generator, so every run parses the same texts.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n) | 0;
  };
  const shapes = [
    (m, h) => `${m} ${h} * * *`,
    (m, h) => `${m} ${h} * * ${rand(3)}-${3 + rand(4)}`,
    (m, h) => `${m} ${h} ${1 + rand(14)},${15 + rand(14)} * *`,
    (m, h) => `${m} ${h} ${1 + rand(28)} ${1 + rand(12)} *`,
    (m, h) => `${m} ${h} L * *`,
    (m, h) => `${m} ${h} * * ${rand(7)}#${1 + rand(5)}`,
    (m, h) => `*/${2 + rand(28)} ${m} ${h} * * *`,
    (_m, h) => `*/${2 + rand(28)} ${h}-23 * * *`,
    (m, _h) => `${m} */${1 + rand(12)} * * 1-5`,
  ];
  const seen = new Set();
  while (seen.size < count) {
    const shape = shapes[rand(shapes.length)];
    seen.add(shape(rand(60), rand(24)));
  }
  return [...seen];
}

function report(rows, memory, noZoneNs) {
  const perExpression = rows.filter((r) => r.expression !== null);
  const mixed = rows.find((r) => r.expression === null);
  const worst = perExpression.reduce((a, b) => (b.croner / b.ours < a.croner / a.ours ? b : a));
  const goals = [
    {
      name: "parse vs croner (distinct texts)",
      target: "≥ 5× for every expression",
      actual: `${formatRatio(worst.croner / worst.ours)} (slowest: ${code(worst.expression)}; mixed pool ${formatRatio(mixed.croner / mixed.ours)})`,
      met: worst.croner / worst.ours >= 5,
    },
    {
      name: "heap per parsed schedule, ours",
      target: "< 1 KB",
      actual: `${Math.round(memory.ours)} B (croner ${formatBytes(memory.croner)})`,
      met: memory.ours < 1024,
    },
  ];
  const parseTable = table(
    [
      "Expression",
      "ours",
      "ours, cached",
      "croner",
      "cron-parser",
      "croner / ours",
      "cron-parser / ours",
    ],
    [...perExpression, mixed].map((r) => [
      r.expression === null
        ? `mixed: ${VARIANTS.toLocaleString("en")} distinct expressions`
        : code(r.expression),
      formatNs(r.ours),
      formatNs(r.cached),
      formatNs(r.croner),
      formatNs(r.parser),
      formatRatio(r.croner / r.ours),
      formatRatio(r.parser / r.ours),
    ]),
    "lrrrrrr",
  );
  const geo = (key) => geomean(perExpression.map((r) => r[key] / r.ours));
  const memoryTable = table(
    ["Library", "heap per parsed schedule"],
    [
      [
        "ours (`parseSchedule(text, { timezone })`, including its cache entry)",
        formatBytes(memory.ours),
      ],
      ["croner (`new Cron(text)`)", formatBytes(memory.croner)],
      ["cron-parser (`CronExpressionParser.parse(text)`)", formatBytes(memory.parser)],
    ],
    "lr",
  );
  const markdown = [
    `Time per parse: our \`parseSchedule(text, { timezone: "UTC" })\` against croner ${versionOf("croner")}`,
    `(\`new Cron(text)\`, no options) and cron-parser ${versionOf("cron-parser")} (\`CronExpressionParser.parse(text)\`).`,
    "parseSchedule keeps the last 10,000 schedules keyed by text, so each expression is parsed as",
    `${VARIANTS.toLocaleString("en")} texts that differ only in their spacing (1-8 spaces between fields, 0-7 in front),`,
    "taken in turn so that none is still cached when it comes back; the other libraries get the same texts.",
    "The mixed row uses distinct expressions of nine common shapes (different values, 5 and 6 fields).",
    '"ours, cached" parses the same text again (a cache hit). Samples of the libraries are interleaved.',
    "",
    parseTable,
    "",
    `Geometric mean over the eight expressions: croner takes ${formatRatio(geo("croner"))} as long as ours,`,
    `cron-parser ${formatRatio(geo("parser"))}.`,
    "",
    `Without a \`timezone\` option, \`parseSchedule(${JSON.stringify(EXPRESSIONS[2])})\` takes ${formatNs(noZoneNs)}`,
    "when the schedule is cached: the default zone is the process's, and `process.env.TZ` is read on",
    "every call (Node applies a change of TZ at once) before the cache is consulted.",
    "",
    "### Memory",
    "",
    `Heap growth (after \`gc()\`) over ${MEMORY_COUNT.toLocaleString("en")} distinct parsed schedules from the mixed pool,`,
    "kept alive, divided by their number.",
    "",
    memoryTable,
    "",
  ].join("\n");
  return { title: "Cron expressions: parsing and memory", markdown, goals };
}
