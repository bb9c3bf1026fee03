// Where a run's output goes: the first maxBytes to the run's log file, then a
// truncation marker, and the last tailBytes (of everything, kept or not) in
// memory for the store. So a job that prints a gigabyte costs maxBytes of
// disk and a few KB of memory, and the store still gets how it ended.

import { createWriteStream, open, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

// A bare fd, not a FileHandle: the write stream owns and closes it, and a
// FileHandle dropped without close() would be closed again by the GC.
const openFd = promisify(open);

// Big enough that a 64 KB pipe read rarely has to pause the child.
const WRITE_HIGH_WATER_MARK = 256 * 1024;
const NEWLINE = 0x0a;

export class OutputSink {
  /** Bytes of output seen (notes excluded). */
  bytes = 0;
  error: string | null = null;
  private written = 0;
  /** The truncation marker is in the file. */
  private marked = false;
  private lastByte = NEWLINE;
  private stream: WriteStream | null = null;
  private drainWaiters: (() => void)[] = [];
  private tailBuf: Buffer | null = null;
  private tailLen = 0;

  private constructor(
    private readonly maxBytes: number,
    private readonly tailBytes: number,
  ) {}

  /** Opens (truncates) the file, creating its directory if needed. A failure is kept in `error`: the job still runs. */
  static async open(path: string | null, maxBytes: number, tailBytes: number): Promise<OutputSink> {
    const sink = new OutputSink(maxBytes, tailBytes);
    if (path === null) return sink;
    let fd: number;
    try {
      fd = await openTruncated(path);
    } catch (err) {
      sink.error = `cannot open the output file ${path}: ${(err as Error).message}`;
      return sink;
    }
    const stream = createWriteStream("", { fd, highWaterMark: WRITE_HIGH_WATER_MARK });
    stream.on("error", (err) => sink.fail(`cannot write the output file ${path}: ${err.message}`));
    stream.on("drain", () => sink.drained());
    sink.stream = stream;
    return sink;
  }

  get truncated(): boolean {
    return this.bytes > this.maxBytes;
  }

  /** Takes a chunk of output. false: the file is behind, stop reading until onDrain. */
  write(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    this.keepTail(chunk);
    const stream = this.stream;
    if (stream === null) return true;
    if (this.marked) return true;
    const room = this.maxBytes - this.written;
    if (chunk.length <= room) {
      this.written += chunk.length;
      this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
      return stream.write(chunk);
    }
    if (room > 0) {
      stream.write(chunk.subarray(0, room));
      this.lastByte = chunk[room - 1] ?? this.lastByte;
    }
    this.written = this.maxBytes;
    this.marked = true;
    this.note(
      `output truncated: this file keeps the first ${this.maxBytes} bytes; the run's tail in the store has the end`,
    );
    return true;
  }

  /** Calls `cb` once the file has caught up (at once if it is not behind). */
  onDrain(cb: () => void): void {
    if (this.stream === null || !this.stream.writableNeedDrain) cb();
    else this.drainWaiters.push(cb);
  }

  /** A line of the scheduler's own in the file (not counted as output, not in the tail). */
  note(text: string): void {
    if (this.stream === null) return;
    const line = `${this.lastByte === NEWLINE ? "" : "\n"}[cron-scheduler] ${text}\n`;
    this.lastByte = NEWLINE;
    this.stream.write(line);
  }

  /** The end of the output, starting at a character boundary. */
  tail(): string {
    const buf = this.tailBuf;
    if (buf === null) return "";
    let start = Math.max(0, this.tailLen - this.tailBytes);
    if (this.bytes > this.tailLen - start) {
      // Cut inside the output: skip the continuation bytes of a split character.
      const limit = start + 3;
      while (start < limit && start < this.tailLen && ((buf[start] as number) & 0xc0) === 0x80) {
        start++;
      }
    }
    return buf.toString("utf8", start, this.tailLen);
  }

  /** Flushes and closes the file. Never rejects: a failure lands in `error`. */
  close(): Promise<void> {
    const stream = this.stream;
    if (stream === null) return Promise.resolve();
    this.stream = null;
    return new Promise((resolve) => {
      if (stream.destroyed) return resolve();
      stream.once("close", resolve);
      stream.end();
    });
  }

  private fail(message: string): void {
    this.error ??= message;
    this.stream?.destroy();
    this.stream = null;
    this.drained();
  }

  private drained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of waiters) cb();
  }

  // The tail is a buffer of twice tailBytes: append until full, then move the
  // last tailBytes to the front, so each byte is copied about twice at most.
  private keepTail(chunk: Buffer): void {
    const keep = this.tailBytes;
    if (keep === 0 || chunk.length === 0) return;
    this.tailBuf ??= Buffer.allocUnsafe(2 * keep);
    const buf = this.tailBuf;
    if (chunk.length >= keep) {
      chunk.copy(buf, 0, chunk.length - keep);
      this.tailLen = keep;
      return;
    }
    if (this.tailLen + chunk.length > buf.length) {
      const kept = keep - chunk.length;
      buf.copyWithin(0, this.tailLen - kept, this.tailLen);
      this.tailLen = kept;
    }
    chunk.copy(buf, this.tailLen);
    this.tailLen += chunk.length;
  }
}

async function openTruncated(path: string): Promise<number> {
  try {
    return await openFd(path, "w", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  return openFd(path, "w", 0o600);
}
