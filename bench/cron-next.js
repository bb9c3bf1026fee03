// Next-occurrence throughput of our engine against croner and cron-parser.
//
// Every call starts from a different instant (a prime number of seconds
// apart, over eight years, with varying milliseconds) so that no library can
// answer from a cache of its last result; parsed objects are reused, as a
// scheduler would. Before timing, all three libraries must give the same
// answers on the sampled instants: a benchmark where we compute something
// else would be worthless, so disagreements are counted and shown.

import { CronExpressionParser } from "cron-parser";
import { Cron } from "croner";
import { parseSchedule } from "../dist/index.js";
import { code, table } from "./lib/markdown.js";
import { formatNs, formatRatio, geomean, measureAll } from "./lib/measure.js";
import { versionOf } from "./lib/packages.js";

export const EXPRESSIONS = [
  "* * * * *",
  "*/5 * * * *",
  "0 9 * * 1-5",
  "30 2 1,15 * *",
  "0 0 29 2 *",
  "0 0 L * *",
  "15 10 * * 5#3",
  "*/10 * * * * *",
];
const DENSE = "* * * * *";
const SPARSE = "0 0 29 2 *";
const NY = "America/New_York";

const COUNT = 4096; // a power of two: the index wraps with a mask
const MASK = COUNT - 1;
const STEP_S = 61_637; // prime; 4096 steps span about eight years
const T0 = Date.UTC(2021, 0, 1);
/** Agreement is checked on every CHECK_EVERY-th instant, spread over the whole span. */
const CHECK_EVERY = 8;

const instants = new Float64Array(COUNT);
const dates = [];
for (let i = 0; i < COUNT; i++) {
  instants[i] = T0 + i * STEP_S * 1000 + ((i * 389) % 1000);
  dates.push(new Date(instants[i]));
}

export default async function cronNext() {
  // croner's fastest mode reads wall time with the Date methods of the
  // process zone; it only means UTC when the process runs in UTC.
  if (new Date(0).getTimezoneOffset() !== 0) {
    throw new Error("run this scenario with TZ=UTC (bench/run.js does)");
  }
  const rows = { UTC: [], [NY]: [] };
  const sparseVsDense = {};
  const agreement = [];
  for (const zone of ["UTC", NY]) {
    for (const expression of EXPRESSIONS) {
      const ours = parseSchedule(expression, { timezone: zone });
      const croner =
        zone === "UTC" ? new Cron(expression) : new Cron(expression, { timezone: zone });
      const parser = CronExpressionParser.parse(expression, { tz: zone });
      agreement.push({ zone, expression, ...compare(ours, croner, parser) });
      const [o, c, p] = measureAll([runOurs(ours), runCroner(croner), runParser(parser)]);
      const row = { expression, ours: o.ns, croner: c.ns, parser: p.ns };
      rows[zone].push(row);
      process.stderr.write(
        `  ${zone} ${expression}: ours ${formatNs(row.ours)}, croner ${formatNs(row.croner)}, cron-parser ${formatNs(row.parser)}\n`,
      );
    }
    // The sparse/dense goal compares two of our rows: time them side by side.
    const [dense, sparse] = measureAll(
      [DENSE, SPARSE].map((e) => runOurs(parseSchedule(e, { timezone: zone }))),
      { samples: 11 },
    );
    sparseVsDense[zone] = { dense: dense.ns, sparse: sparse.ns };
  }
  return report(rows, sparseVsDense, agreement);
}

function runOurs(schedule) {
  let k = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += schedule.next(instants[k++ & MASK]) ?? 0;
    return acc;
  };
}

function runCroner(job) {
  let k = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += job.nextRun(dates[k++ & MASK])?.getTime() ?? 0;
    return acc;
  };
}

function runParser(expression) {
  let k = 0;
  return (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      // reset() is cron-parser's way to move an existing iterator to a new start.
      expression.reset(dates[k++ & MASK]);
      acc += expression.next().getTime();
    }
    return acc;
  };
}

/** How often croner and cron-parser give another answer than ours on the sampled instants. */
function compare(ours, croner, parser) {
  const out = { checked: 0, croner: 0, parser: 0, cronerExample: "", parserExample: "" };
  for (let i = 0; i < COUNT; i += CHECK_EVERY) {
    const want = ours.next(instants[i]);
    const c = croner.nextRun(dates[i])?.getTime() ?? null;
    parser.reset(dates[i]);
    let p;
    try {
      p = parser.next().getTime();
    } catch {
      p = null;
    }
    out.checked++;
    if (c !== want) {
      out.croner++;
      out.cronerExample ||= example(i, want, c);
    }
    if (p !== want) {
      out.parser++;
      out.parserExample ||= example(i, want, p);
    }
  }
  return out;
}

function example(i, want, got) {
  const iso = (ms) => (ms === null ? "null" : new Date(ms).toISOString().replace(".000Z", "Z"));
  return `after ${iso(instants[i])}: ours ${iso(want)}, theirs ${iso(got)}`;
}

function report(rows, sparseVsDense, agreement) {
  const ratios = (zone, key) => rows[zone].map((r) => r[key] / r.ours);
  const worst = (zone, key) => {
    const r = rows[zone].reduce((a, b) => (b[key] / b.ours < a[key] / a.ours ? b : a));
    return { ratio: r[key] / r.ours, expression: r.expression };
  };
  const speedTable = (zone, cronerLabel) =>
    table(
      ["Expression", "ours", cronerLabel, "cron-parser", "croner / ours", "cron-parser / ours"],
      [
        ...rows[zone].map((r) => [
          code(r.expression),
          formatNs(r.ours),
          formatNs(r.croner),
          formatNs(r.parser),
          formatRatio(r.croner / r.ours),
          formatRatio(r.parser / r.ours),
        ]),
        [
          "geometric mean",
          formatNs(geomean(rows[zone].map((r) => r.ours))),
          formatNs(geomean(rows[zone].map((r) => r.croner))),
          formatNs(geomean(rows[zone].map((r) => r.parser))),
          formatRatio(geomean(ratios(zone, "croner"))),
          formatRatio(geomean(ratios(zone, "parser"))),
        ],
      ],
      "lrrrrr",
    );

  const ratioGoal = (name, zone, key, target) => {
    const w = worst(zone, key);
    return {
      name,
      target: `≥ ${target}× for every expression`,
      actual: `${formatRatio(w.ratio)} (slowest: ${code(w.expression)}; geometric mean ${formatRatio(geomean(ratios(zone, key)))})`,
      met: w.ratio >= target,
    };
  };
  const sparseGoal = (zone) => {
    const { sparse, dense } = sparseVsDense[zone];
    const ratio = sparse / dense;
    return {
      name: `sparse ${code(SPARSE)} vs dense ${code(DENSE)}, ours, ${zone}`,
      target: "≤ 2× the time",
      actual: `${formatRatio(ratio)} the time (${formatNs(sparse)} vs ${formatNs(dense)})`,
      met: ratio <= 2,
    };
  };
  const differ = (key) => agreement.reduce((n, a) => n + a[key], 0);
  const checked = agreement.reduce((n, a) => n + a.checked, 0);
  const goals = [
    ratioGoal("next() vs croner, fastest mode (no timezone option), UTC", "UTC", "croner", 10),
    ratioGoal("next() vs cron-parser, UTC", "UTC", "parser", 10),
    ratioGoal(`next() vs croner with timezone ${NY}`, NY, "croner", 20),
    sparseGoal("UTC"),
    sparseGoal(NY),
    {
      name: "same answers as croner and cron-parser on every sampled start instant",
      target: "0 differences",
      actual: `croner ${differ("croner")}, cron-parser ${differ("parser")} of ${checked}`,
      met: differ("croner") + differ("parser") === 0,
    },
  ];

  const agreementTable = table(
    ["Zone", "Expression", "checked", "croner differs", "cron-parser differs", "first difference"],
    agreement.map((a) => [
      a.zone,
      code(a.expression),
      a.checked,
      a.croner,
      a.parser,
      [
        a.cronerExample && `croner ${a.cronerExample}`,
        a.parserExample && `cron-parser ${a.parserExample}`,
      ]
        .filter(Boolean)
        .join("; ") || "–",
    ]),
    "llrrrl",
  );

  const markdown = [
    `Time per \`next()\` call: our \`parseSchedule(…).next(ms)\` against croner ${versionOf("croner")}`,
    `(\`new Cron(expr).nextRun(date)\`) and cron-parser ${versionOf("cron-parser")}`,
    "(`CronExpressionParser.parse(expr, { tz })`, then `reset(date)` and `next()`).",
    `Parsed objects are reused; each call starts from another of ${COUNT} instants ${STEP_S} s`,
    "(a prime) apart over eight years from 2021, with varying milliseconds, so nothing can be cached",
    "between calls. The instants are prebuilt as numbers for us and as `Date` objects for the others.",
    "The three libraries' samples are interleaved (ours, croner, cron-parser, ours, …) so that load",
    "elsewhere on the machine hits them alike. Ratios are how many times longer the other library takes",
    "than ours. The sparse/dense goal is timed separately, the two expressions again interleaved.",
    "",
    "### UTC",
    "",
    "croner in its fastest mode: no `timezone` option, so it reads wall time with the `Date` methods of the",
    "process zone, which is UTC here. Ours and cron-parser are given `UTC`.",
    "",
    speedTable("UTC", "croner (no timezone)"),
    "",
    `### ${NY}`,
    "",
    `All three are given the zone: croner \`{ timezone: "${NY}" }\`, cron-parser \`{ tz }\`, ours \`{ timezone }\`.`,
    "",
    speedTable(NY, "croner (timezone)"),
    "",
    "### Same answers",
    "",
    `Before timing, every ${CHECK_EVERY}th start instant is checked: croner's and cron-parser's next`,
    "occurrence must equal ours. None of these expressions restricts both day-of-month and day-of-week, so",
    "the Vixie OR rule (and croner's and cron-parser's different reading of `*/n` there) does not come in.",
    "",
    agreementTable,
    "",
  ].join("\n");
  return { title: "Cron expressions: next occurrence", markdown, goals };
}
