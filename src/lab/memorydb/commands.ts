/**
 * What a Redis client sends, cut into commands as it streams past: bytes go on untouched, except the commands
 * `rewrite` is asked about (AUTH and HELLO), which are held until whole and may be replaced. Everything else
 * passes as it arrives, however large; only a command's first argument is held, to learn its name.
 */
export type Rewrite = (args: Buffer[]) => Buffer[] | undefined;

/** The commands that carry a password. */
const held = new Set(['AUTH', 'HELLO']);

export class CommandStream {
  /** A header line (`*3`, `$4`) or an inline command, until its newline arrives. */
  private line: Buffer[] = [];
  /** The raw bytes of the command while it is held. */
  private raw: Buffer[] = [];
  private holding = true;
  /** The command's name is known and it carries a password: keep its arguments. */
  private collecting = false;
  private argsLeft = 0;
  private inBody = false;
  /** Bytes of the current argument still to come, with its CRLF. */
  private bodyLeft = 0;
  private body: Buffer[] = [];
  private args: Buffer[] = [];
  /** Passed bytes of the chunk being read, sent as one piece. */
  private passing: { chunk: Buffer; from: number; to: number } | undefined;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly rewrite: Rewrite,
  ) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.inBody) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.consume(chunk, at, at + take);
        if (this.holding) this.body.push(chunk.subarray(at, at + take));
        at += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) {
          this.inBody = false;
          this.argumentDone();
        }
        continue;
      }
      const newline = chunk.indexOf(10, at);
      const end = newline < 0 ? chunk.length : newline + 1;
      this.consume(chunk, at, end);
      this.line.push(chunk.subarray(at, end));
      at = end;
      if (newline >= 0) this.lineDone();
    }
    this.flush();
  }

  /** Bytes read: sent on at once unless the command is held. */
  private consume(chunk: Buffer, from: number, to: number): void {
    if (this.holding) {
      this.raw.push(chunk.subarray(from, to));
      return;
    }
    if (this.passing?.chunk === chunk && this.passing.to === from) this.passing.to = to;
    else {
      this.flush();
      this.passing = { chunk, from, to };
    }
  }

  private flush(): void {
    if (!this.passing) return;
    const { chunk, from, to } = this.passing;
    this.passing = undefined;
    if (to > from) this.send(chunk.subarray(from, to));
  }

  private lineDone(): void {
    const text = Buffer.concat(this.line)
      .toString('latin1')
      .replace(/\r?\n$/, '');
    this.line = [];
    if (this.argsLeft === 0) {
      if (text.startsWith('*')) {
        this.argsLeft = Number.parseInt(text.slice(1), 10);
        if (!(this.argsLeft > 0)) this.commandDone(undefined);
        return;
      }
      // An inline command (telnet's way): its words are its arguments.
      const words = text.trim().split(/\s+/).filter(Boolean);
      const name = words[0]?.toUpperCase() ?? '';
      this.commandDone(held.has(name) ? words.map((w) => Buffer.from(w)) : undefined);
      return;
    }
    // `$<length>`: the argument's bytes and their CRLF follow.
    const length = Number.parseInt(text.slice(1), 10);
    this.inBody = true;
    this.bodyLeft = (Number.isFinite(length) && length > 0 ? length : 0) + 2;
  }

  private argumentDone(): void {
    this.argsLeft -= 1;
    if (this.holding) {
      const bytes = Buffer.concat(this.body);
      this.body = [];
      this.args.push(bytes.subarray(0, Math.max(0, bytes.length - 2)));
      if (this.args.length === 1) {
        this.collecting = held.has(this.args[0]?.toString('latin1').toUpperCase() ?? '');
        if (!this.collecting) this.release();
      }
    }
    if (this.argsLeft === 0) this.commandDone(this.collecting ? this.args : undefined);
  }

  /** The command is not one to hold: what was held goes on, and the rest of it streams. */
  private release(): void {
    this.flush();
    for (const bytes of this.raw) this.send(bytes);
    this.raw = [];
    this.holding = false;
  }

  /** A whole command: rewritten when `args` are given and `rewrite` replaces them, else sent as it came. */
  private commandDone(args: Buffer[] | undefined): void {
    const replaced = args ? this.rewrite(args) : undefined;
    this.flush();
    if (replaced) this.send(encodeCommand(replaced));
    else if (this.holding) for (const bytes of this.raw) this.send(bytes);
    this.raw = [];
    this.args = [];
    this.body = [];
    this.argsLeft = 0;
    this.collecting = false;
    this.holding = true;
  }
}

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
