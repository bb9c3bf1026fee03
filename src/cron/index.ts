// The expression engine: pure, no clock, no I/O. Depends on nothing else in the project.
export { civilFromDays, daysFromCivil, daysInMonth, weekdayFromDays } from "./civil.js";
export { formatDuration, type ParseDurationOptions, parseDuration } from "./duration.js";
export { CronError, type CronErrorCode } from "./errors.js";
export { type ParseOptions, parseInstant, parseSchedule, primeRollovers } from "./parse.js";
export type { Schedule } from "./schedule.js";
export { formatInZone, getZone, localZoneName, type Zone } from "./zone.js";
