// The expression engine's one error type. `src/cron` imports nothing from the
// rest of the project, so this lives here; `src/errors.ts` lists these codes
// in the project-wide catalogue.

export type CronErrorCode =
  | "E_CRON_SYNTAX" // the text is not a valid expression
  | "E_CRON_NEVER" // valid, but no date can ever match
  | "E_TIMEZONE" // not an IANA time zone this runtime knows
  | "E_DURATION"; // not a duration such as 90s or 1h30m

export interface CronErrorDetails {
  expression?: string;
  field?: string;
  token?: string;
  /** 1-based column of the token in the expression. */
  column?: number;
}

export class CronError extends Error {
  override readonly name = "CronError";
  readonly code: CronErrorCode;
  readonly expression: string | undefined;
  readonly field: string | undefined;
  readonly token: string | undefined;
  readonly column: number | undefined;

  constructor(code: CronErrorCode, message: string, details: CronErrorDetails = {}) {
    super(message);
    this.code = code;
    this.expression = details.expression;
    this.field = details.field;
    this.token = details.token;
    this.column = details.column;
  }
}
