import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** How much of a file is read at a time. */
export const chunkBytes = 1 << 20;

/**
 * The lines of a file, read `chunkBytes` at a time: memory holds a chunk and the line it cut, whatever the file's
 * size. A line may end in LF or CRLF; a last line without a newline is a line too (a torn one is the reader's to
 * judge). Characters cut between two chunks are put back together.
 */
export function* fileLines(path: string, chunk = chunkBytes): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunk);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, chunk, null);
      if (n === 0) break;
      rest = yield* completeLines(rest + decoder.write(buffer.subarray(0, n)));
    }
    rest += decoder.end();
    if (rest !== '') yield withoutCr(rest);
  } finally {
    closeSync(fd);
  }
}

/** The lines of a text, as `fileLines` gives those of a file. */
export function* textLines(text: string): Generator<string> {
  const rest = yield* completeLines(text);
  if (rest !== '') yield withoutCr(rest);
}

/** The lines of `text` that end in a newline; returns what follows the last one. */
function* completeLines(text: string): Generator<string, string> {
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    yield withoutCr(text.slice(from, nl));
    from = nl + 1;
  }
  return text.slice(from);
}

const withoutCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
