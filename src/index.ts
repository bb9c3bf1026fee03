export * from "./cron/index.js";
