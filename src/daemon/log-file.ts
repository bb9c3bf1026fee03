import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";

/**
 * An append-only log file rotated by size: when it would pass `maxBytes`,
 * scheduler.log becomes scheduler.log.1 (.1 becomes .2, …, up to `keep`)
 * and a new file starts. Writes are synchronous, so a line is on disk before
 * the scheduler goes on, and nothing is lost at exit.
 */
export class RotatingFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number;
  #size: number;

  constructor(path: string, options: { maxBytes?: number; keep?: number } = {}) {
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.#keep = options.keep ?? 3;
    this.#fd = openSync(path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  write(text: string): boolean {
    const bytes = Buffer.byteLength(text);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
    writeSync(this.#fd, text);
    this.#size += bytes;
    return true;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #rotate(): void {
    closeSync(this.#fd);
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.#fd = openSync(this.path, "a", 0o600);
    this.#size = 0;
  }
}
