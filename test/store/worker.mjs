// A child process that works on a store, for the tests in
// shared-contract.ts: node worker.mjs <compiled src dir> <command> <json args>,
// where the args name the store by its spec (as openStore takes it).
// It prints "ready" once it waits for "go" on stdin, and its result as the
// last line of JSON.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [dir, command, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const load = (file) => import(pathToFileURL(join(dir, file)).href);
const { openStore } = await load("store/index.js");
const { newRunId } = await load("ids.js");

const received = [];
let wake = () => {};
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  received.push(line);
  wake();
});
async function waitFor(line) {
  while (!received.includes(line)) await new Promise((resolve) => (wake = resolve));
}

function job(id) {
  return {
    id,
    schedule: "* * * * *",
    timezone: "UTC",
    timeoutMs: null,
    target: { type: "command", argv: ["/bin/true"] },
    cwd: null,
    env: {},
    overlap: "skip",
    retries: 0,
    retryBackoffMs: 1000,
    catchUp: "once",
    graceMs: null,
    jitterMs: 0,
    paused: false,
    description: null,
    createdAt: Date.now(),
    updatedAt: Date.now(),
  };
}

function run(jobId, scheduledAt, node) {
  return {
    id: newRunId(),
    jobId,
    scheduledAt,
    attempt: 1,
    trigger: "schedule",
    status: "running",
    reason: null,
    startedAt: Date.now(),
    finishedAt: null,
    exitCode: null,
    signal: null,
    pid: process.pid,
    pidStartTime: null,
    node,
    outputTail: null,
    outputBytes: 0,
    outputTruncated: false,
  };
}

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (command === "claim") {
  const store = await openStore(args.spec);
  process.stdout.write("ready\n");
  await waitFor("go");
  const won = [];
  for (const slot of args.slots) {
    if (await store.claimRun(run(args.jobId, slot, args.node))) won.push(slot);
  }
  await store.close();
  print({ won });
} else if (command === "take") {
  const store = await openStore(args.spec);
  process.stdout.write("ready\n");
  const ids = [];
  let rounds = 0;
  while (!received.includes("stop")) {
    for (const request of await store.takeTriggers(args.node)) ids.push(request.id);
    rounds++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const request of await store.takeTriggers(args.node)) ids.push(request.id);
  await store.close();
  print({ ids, rounds });
} else if (command === "create") {
  // Opens only after "go", so that many workers open a fresh file at once.
  process.stdout.write("ready\n");
  await waitFor("go");
  try {
    const store = await openStore(args.spec);
    await store.createJob(job(args.id));
    await store.close();
    print({ ok: true });
  } catch (err) {
    print({ error: err.code, message: err.message });
  }
} else if (command === "mutate") {
  const store = await openStore(args.spec);
  for (const { op, id } of args.ops) {
    if (op === "create") await store.createJob(job(id));
    else if (op === "pause") await store.updateJob(id, { paused: true });
    else if (op === "remove") await store.removeJob(id);
    else if (op === "trigger") await store.requestTrigger(id);
    else if (op === "claim") await store.claimRun(run(id, Date.now(), "worker"));
    else throw new Error(`unknown op ${op}`);
  }
  await store.close();
  print({ done: args.ops.length });
} else {
  throw new Error(`unknown command ${command}`);
}
lines.close(); // stdin is a pipe the parent keeps open
