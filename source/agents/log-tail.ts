import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { stripSgr } from '../core/text.js';
import { sanitizeText } from './sanitize.js';

/** The last lines of a log, sanitized and without colour: what a failure report quotes. */
export function readLogTail(file: string, maxLines = 40, maxBytes = 8 * 1024): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes * 4);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = sanitizeText(buffer.toString('utf8')).map(stripSgr);
    if (length < size) lines.shift(); // probably cut mid-line
    let text = lines.slice(-maxLines).join('\n');
    if (Buffer.byteLength(text) > maxBytes) text = Buffer.from(text).subarray(-maxBytes).toString('utf8');
    return text;
  } finally {
    closeSync(fd);
  }
}
