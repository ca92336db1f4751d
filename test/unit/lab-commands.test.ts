import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandStream, encodeCommand } from '../../src/lab/memorydb/commands.js';

const resp = (...args: string[]) => encodeCommand(args.map((a) => Buffer.from(a)));

/** Feeds `input` cut into pieces of `size` bytes; returns what went on and the commands asked about. */
function pass(input: Buffer, size: number, rewrite = (_: Buffer[]): Buffer[] | undefined => undefined) {
  const out: Buffer[] = [];
  const asked: string[][] = [];
  const stream = new CommandStream(
    (b) => out.push(Buffer.from(b)),
    (args) => {
      asked.push(args.map((a) => a.toString()));
      return rewrite(args);
    },
  );
  for (let at = 0; at < input.length; at += size) stream.feed(input.subarray(at, at + size));
  return { out: Buffer.concat(out), pieces: out.length, asked };
}

describe("the lab's MemoryDB front reads what clients send", () => {
  const pipeline = Buffer.concat([
    resp('SET', 'k', 'v'.repeat(300)),
    resp('AUTH', 'drill-iam', 'token'),
    Buffer.from('PING\r\n'),
    resp('HELLO', '3', 'AUTH', 'drill-iam', 'token2', 'SETNAME', 'x'),
    resp('GET', 'k'),
    Buffer.from('AUTH drill-iam token3\r\n'),
  ]);

  it('passes every byte on untouched, in order, however the bytes are cut', () => {
    for (const size of [1, 2, 3, 7, 64, pipeline.length]) {
      const { out, asked } = pass(pipeline, size);
      assert.deepEqual(out, pipeline, `cut every ${size} bytes`);
      assert.deepEqual(asked, [
        ['AUTH', 'drill-iam', 'token'],
        ['HELLO', '3', 'AUTH', 'drill-iam', 'token2', 'SETNAME', 'x'],
        ['AUTH', 'drill-iam', 'token3'],
      ]);
    }
  });

  it('replaces AUTH and HELLO where asked to, in place, the rest as it came', () => {
    const swap = (args: Buffer[]) =>
      args.map((a) => (a.toString().startsWith('token') ? Buffer.from('pw') : a));
    for (const size of [1, 5, pipeline.length]) {
      const { out } = pass(pipeline, size, swap);
      const expected = Buffer.concat([
        resp('SET', 'k', 'v'.repeat(300)),
        resp('AUTH', 'drill-iam', 'pw'),
        Buffer.from('PING\r\n'),
        resp('HELLO', '3', 'AUTH', 'drill-iam', 'pw', 'SETNAME', 'x'),
        resp('GET', 'k'),
        resp('AUTH', 'drill-iam', 'pw'),
      ]);
      assert.deepEqual(out, expected, `cut every ${size} bytes`);
    }
  });

  it('streams a large value as it arrives instead of holding it until the command is whole', () => {
    const big = resp('SET', 'k', 'x'.repeat(1_000_000));
    const out: Buffer[] = [];
    const stream = new CommandStream(
      (b) => out.push(b),
      () => undefined,
    );
    stream.feed(big.subarray(0, 64 * 1024));
    const sent = out.reduce((n, b) => n + b.length, 0);
    assert.equal(sent, 64 * 1024, 'the first 64 KiB went on before the rest arrived');
    stream.feed(big.subarray(64 * 1024));
    assert.deepEqual(Buffer.concat(out), big);
  });
});
