import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileLines, textLines } from '../../src/core/lines.js';
import { buildReport } from '../../src/core/report/json.js';
import { styleFor } from '../../src/core/report/style.js';
import { readSavedDrill, readSavedDrillFile, type SavedDrill } from '../../src/core/session/replay.js';
import { HistoryBuilder, savedHistory } from '../support/histories.js';
import { loadStart, loadStop, synthWindow } from '../support/load-drills.js';

const dir = mkdtempSync(join(tmpdir(), 'drill-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (content: string | Buffer): string => {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, content);
  return path;
};

describe('lines of a file, a chunk at a time', () => {
  const text = 'first\r\nsecond line\n\nünïcödé ✓ 😀 line\nlast without newline';
  const want = ['first', 'second line', '', 'ünïcödé ✓ 😀 line', 'last without newline'];

  it('gives every line whatever the chunk size: lines and characters cut between chunks, CRLF, no final newline', () => {
    const path = write(text);
    for (const chunk of [1, 2, 3, 5, 7, 64, 1 << 20])
      assert.deepEqual([...fileLines(path, chunk)], want, `${chunk}`);
    assert.deepEqual([...textLines(text)], want);
    assert.deepEqual([...fileLines(write(`${text}\n`), 4)], want, 'a final newline adds no line');
    assert.deepEqual([...fileLines(write(''))], []);
    assert.deepEqual([...textLines('')], []);
  });

  it('closes the file when the reader stops early', () => {
    const lines = fileLines(write('a\nb\nc\n'), 1);
    assert.equal(lines.next().value, 'a');
    lines.return(undefined);
    assert.equal(lines.next().done, true);
  });
});

describe('drill report reads a history file as it goes', () => {
  const quiet = { human: new PassThrough(), style: styleFor(new PassThrough(), false), renderers: [] };
  const report = (saved: SavedDrill) =>
    buildReport({ name: 'failover-drill', version: '0' }, saved.replay(quiet));
  const records = [
    ...new HistoryBuilder(250, 5)
      .writer('node-01', 8)
      .trigger(2000)
      .fail('ECONNREFUSED', 12)
      .writer('node-02', 8).records,
    loadStart(0),
    ...Array.from({ length: 7 }, (_, i) =>
      synthWindow(i * 1000, 1000, i >= 2 && i < 5 ? 0 : 80, 20, 3, 'X', 0, () => 0.5),
    ),
    loadStop(7000),
  ];
  const text = savedHistory([{ records, gates: { trigger: 'failover' } }, { records }]);

  it('gives the figures the whole text gives, with CRLF lines, and a torn last line ignored as before', () => {
    const whole = report(readSavedDrill(text));
    assert.equal(whole.runs.length, 2);
    assert.ok(whole.runs[0]?.load && whole.runs[0].load.recoveredMs !== null);
    assert.deepEqual(report(readSavedDrillFile(write(text))), whole);
    assert.deepEqual(report(readSavedDrillFile(write(text.replace(/\n/g, '\r\n')))), whole);
    assert.deepEqual(report(readSavedDrillFile(write(`${text}{"kind":"note","t":1,"at`))), whole);
  });

  it('a JSON report file is still read as a report, and what is neither says so', () => {
    const json = JSON.stringify(report(readSavedDrill(text)), null, 2);
    const saved = readSavedDrillFile(write(json));
    assert.equal(saved.kind, 'report');
    assert.deepEqual(report(saved), JSON.parse(json));
    assert.throws(() => readSavedDrillFile(write('hello\n')), /neither a drill JSON report nor a history/);
    assert.throws(() => readSavedDrillFile(write('{"kind":"note"}\n')), /without run records/);
  });
});
