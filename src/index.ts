// The public API of the package.

export {
  CronError,
  type CronErrorCode,
  formatDuration,
  getZone,
  localZoneName,
  type ParseOptions,
  parseDuration,
  parseInstant,
  parseSchedule,
  type Schedule,
} from "./cron/index.js";
export { ERRORS, type ErrorCode, SchedulerError } from "./errors.js";
export type { SchedulerEventName, SchedulerEvents } from "./events.js";
export {
  type CreateSchedulerOptions,
  CronScheduler,
  createScheduler,
  type JobDefinition,
} from "./library.js";
export type {
  CatchUpPolicy,
  Job,
  JobInput,
  JobTarget,
  OverlapPolicy,
  Run,
  RunStatus,
  RunTrigger,
} from "./model.js";
export type { Clock } from "./scheduler/clock.js";
export { FakeClock } from "./scheduler/fake-clock.js";
export type { JobContext, JobFunction } from "./scheduler/runner.js";
export { openStore } from "./store/index.js";
export type { RunQuery, Store } from "./store/store.js";
