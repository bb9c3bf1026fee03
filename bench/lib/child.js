// Runs one scenario in this process and hands its result to bench/run.js over
// the IPC channel. Started as `node --expose-gc bench/lib/child.js <file>`.
import { pathToFileURL } from "node:url";

const file = process.argv[2];
try {
  const scenario = await import(pathToFileURL(file).href);
  if (typeof scenario.default !== "function") {
    throw new Error(
      `${file} must export default an async function returning { title, markdown, goals }`,
    );
  }
  const result = await scenario.default();
  checkResult(result, file);
  await send({ ok: true, result });
} catch (error) {
  await send({
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
}
// A scenario may leave timers or sockets behind; its result is delivered, so end here.
process.exit();

function checkResult(result, file) {
  const bad = (what) => {
    throw new Error(`${file}: the scenario's result ${what}`);
  };
  if (typeof result !== "object" || result === null)
    bad("must be an object { title, markdown, goals }");
  if (typeof result.title !== "string" || result.title === "")
    bad("needs a non-empty string title");
  if (typeof result.markdown !== "string") bad("needs a string markdown (the section body)");
  if (!Array.isArray(result.goals)) bad("needs goals: an array (possibly empty)");
  for (const g of result.goals) {
    if (typeof g?.name !== "string" || typeof g.met !== "boolean") {
      bad(`has a goal without a string name and a boolean met: ${JSON.stringify(g)}`);
    }
    g.target = String(g.target ?? "");
    g.actual = String(g.actual ?? "");
  }
}

function send(message) {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}
