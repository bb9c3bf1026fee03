// Where a run's output goes: the first maxBytes to the run's log file, then a
// truncation marker, and the last tailBytes (of everything, kept or not) in
// memory for the store. So a job that prints a gigabyte costs maxBytes of
// disk and a few KB of memory, and the store still gets how it ended. A run
// that prints nothing gets no file (see lazy-file.ts).

import { LazyFile } from "./lazy-file.js";

const NEWLINE = 0x0a;

export class OutputSink {
  /** Bytes of output seen (notes excluded). */
  bytes = 0;
  private written = 0;
  /** The truncation marker is in the file. */
  private marked = false;
  private lastByte = NEWLINE;
  private readonly file: LazyFile | null;
  private tailBuf: Buffer | null = null;
  private tailLen = 0;

  /** The file is created on the first byte written to it; null keeps only the tail. */
  constructor(
    path: string | null,
    private readonly maxBytes: number,
    private readonly tailBytes: number,
  ) {
    this.file = path === null ? null : new LazyFile(path);
  }

  /** Why the file could not be written (the job still ran), or null. */
  get error(): string | null {
    return this.file?.error ?? null;
  }

  get truncated(): boolean {
    return this.bytes > this.maxBytes;
  }

  /** Takes a chunk of output. false: the file is behind, stop reading until onDrain. */
  write(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    this.keepTail(chunk);
    const file = this.file;
    if (file === null || this.marked) return true;
    const room = this.maxBytes - this.written;
    if (chunk.length <= room) {
      this.written += chunk.length;
      this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
      return file.write(chunk);
    }
    if (room > 0) {
      file.write(chunk.subarray(0, room));
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
    if (this.file === null) cb();
    else this.file.onDrain(cb);
  }

  /** A line of the scheduler's own in the file (not counted as output, not in the tail). */
  note(text: string): void {
    if (this.file === null) return;
    const line = `${this.lastByte === NEWLINE ? "" : "\n"}[cron-scheduler] ${text}\n`;
    this.lastByte = NEWLINE;
    this.file.write(Buffer.from(line));
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
    return this.file?.close() ?? Promise.resolve();
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
