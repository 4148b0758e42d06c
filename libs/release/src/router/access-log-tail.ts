import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Follows nginx's access log from where it was when the controller started: each `read()`
 * returns the complete lines appended since the last one (a partial last line waits for the
 * next read). A truncated or replaced file is followed from its start.
 */
export class AccessLogTail {
  private offset: number;
  private partial = '';
  private inode?: number;

  constructor(private readonly file: string, fromStart = false) {
    const stat = safeStat(file);
    this.offset = fromStart || !stat ? 0 : stat.size;
    this.inode = stat?.ino;
  }

  read(maxBytes = 16 * 1024 * 1024): string[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const stat = fstatSync(fd);
      if (stat.ino !== this.inode || stat.size < this.offset) {
        this.inode = stat.ino;
        this.offset = 0;
        this.partial = '';
      }
      const length = Math.min(stat.size - this.offset, maxBytes);
      if (length <= 0) return [];
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, this.offset);
      this.offset += read;
      const text = this.partial + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.filter(Boolean);
    } finally {
      closeSync(fd);
    }
  }
}

function safeStat(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
