// A file that is created on its first write. Most cron jobs print nothing
// when all is well; for them no file is created, opened, closed or later
// cleaned up, which is most of the cost an output file adds to a short run.
// Writes queue while the file opens and are gathered into one writev.

import { close, open, writev } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

/** Above this many queued bytes, write() asks the producer to wait. */
const HIGH_WATER_MARK = 256 * 1024;

const openFd = promisify(open);

export class LazyFile {
  error: string | null = null;
  private fd: number | null = null;
  private state: "idle" | "opening" | "open" | "failed" | "closed" = "idle";
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private closing = false;
  private drainWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];

  constructor(private readonly path: string) {}

  /** false: the file is behind, wait for onDrain before writing more. */
  write(buf: Buffer): boolean {
    if (this.state === "failed" || this.state === "closed" || buf.length === 0) return true;
    this.queue.push(buf);
    this.queued += buf.length;
    if (this.state === "idle") this.openFile();
    else if (this.state === "open" && !this.writing) this.flush();
    return this.queued < HIGH_WATER_MARK;
  }

  onDrain(cb: () => void): void {
    if (this.queued < HIGH_WATER_MARK || this.state === "failed") cb();
    else this.drainWaiters.push(cb);
  }

  /** Writes what is queued and closes. Never rejects: a failure is in `error`. */
  close(): Promise<void> {
    if (this.state === "idle") this.state = "closed";
    if (this.state === "closed" || this.state === "failed") return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.settle();
    });
  }

  private openFile(): void {
    this.state = "opening";
    openTruncated(this.path).then(
      (fd) => {
        this.fd = fd;
        this.state = "open";
        this.flush();
      },
      (err: Error) => this.fail(`cannot open the output file ${this.path}: ${err.message}`),
    );
  }

  private flush(): void {
    const fd = this.fd;
    if (this.queue.length === 0 || fd === null) {
      this.writing = false;
      this.settle();
      return;
    }
    this.writing = true;
    const bufs = this.queue;
    this.queue = [];
    writev(fd, bufs, (err, written) => {
      if (err) return this.fail(`cannot write the output file ${this.path}: ${err.message}`);
      this.queued -= written;
      // A short write (a full disk on the way) leaves the rest to be tried again.
      let skip = written;
      const rest: Buffer[] = [];
      for (const b of bufs) {
        if (skip >= b.length) skip -= b.length;
        else {
          rest.push(skip > 0 ? b.subarray(skip) : b);
          skip = 0;
        }
      }
      this.queue = rest.concat(this.queue);
      if (this.queued < HIGH_WATER_MARK) this.drained();
      this.flush();
    });
  }

  /** Closes the file once closing was asked for and everything is written. */
  private settle(): void {
    if (!this.closing || this.state !== "open" || this.writing || this.queue.length > 0) return;
    this.state = "closed";
    const fd = this.fd as number;
    this.fd = null;
    close(fd, (err) => {
      if (err) this.error ??= `cannot close the output file ${this.path}: ${err.message}`;
      this.finishClose();
    });
  }

  private fail(message: string): void {
    this.error ??= message;
    this.state = "failed";
    this.queue = [];
    this.queued = 0;
    this.writing = false;
    if (this.fd !== null) close(this.fd, () => {});
    this.fd = null;
    this.drained();
    this.finishClose();
  }

  private drained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of waiters) cb();
  }

  private finishClose(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const cb of waiters) cb();
  }
}

/** Opens for writing (truncating), mode 0600; creates the directory when it is missing. */
async function openTruncated(path: string): Promise<number> {
  try {
    return await openFd(path, "w", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  return openFd(path, "w", 0o600);
}
