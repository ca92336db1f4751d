import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colours only for a person at a terminal: plain text when the stream is not a TTY, when NO_COLOR is set (any
 * value, per no-color.org), or with --no-color. FORCE_COLOR turns them on anywhere, as chalk users expect.
 */
export function styleFor(stream: NodeJS.WritableStream, wantColor = true, env = process.env): ChalkInstance {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const on = wantColor && !noColor && (tty || forced);
  return new Chalk({ level: on ? 1 : 0 });
}
