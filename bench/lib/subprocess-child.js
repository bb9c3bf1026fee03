// The child side of subprocess.js: `node bench/lib/subprocess-child.js <worker file>`.
import { pathToFileURL } from "node:url";

const file = process.argv[2];

const args = await new Promise((resolve) => {
  process.once("message", (message) => resolve(message.args));
});

const control = {
  ready() {
    return new Promise((resolve) => {
      const onMessage = (message) => {
        if (message?.type !== "go") return;
        process.off("message", onMessage);
        resolve();
      };
      process.on("message", onMessage);
      process.send({ type: "ready" });
    });
  },
};

let message;
try {
  const worker = await import(pathToFileURL(file).href);
  const result = await worker.default(args, control);
  message = { type: "result", ok: true, result };
} catch (error) {
  message = {
    type: "result",
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}
await new Promise((resolve) => process.send(message, resolve));
// Schedulers under test may leave timers behind; the result is delivered, so end here.
process.exit(0);
