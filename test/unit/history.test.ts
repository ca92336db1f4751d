import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze } from '../../src/core/analysis.js';
import { manualClock } from '../../src/core/clock.js';
import { History, type Observation, parseNdjson } from '../../src/core/history.js';
import { addSecret, redactText } from '../../src/core/secrets.js';
import { SeqSet } from '../../src/core/seq-set.js';

const dir = mkdtempSync(join(tmpdir(), 'drill-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function observation(t0: number, message?: string): Omit<Observation, 'at'> {
  return {
    kind: 'observation',
    monitor: 'simple',
    seq: t0,
    t0,
    t1: t0 + 3,
    target: 'db:3306',
    expect: 'writer',
    ok: message === undefined,
    ...(message ? { error: { code: '1045', message } } : {}),
  };
}

describe('history', () => {
  it('streams each record to NDJSON the moment it is appended, stamped with wall time', () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 10, 0, 0));
    const h = new History(clock);
    const file = join(dir, 'h.ndjson');
    h.note('before streaming');
    h.streamTo(file);
    h.append(observation(250));
    // Not closed yet: what a crash would leave behind is already on disk.
    const lines = parseNdjson(readFileSync(file, 'utf8'));
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.kind, 'observation');
    assert.equal(lines[1]?.at, '2026-11-22T10:00:00.250Z');
    h.close();
  });

  it('ignores a torn last line', () => {
    const text = `${JSON.stringify({ kind: 'note', t: 0, at: 'x', level: 'info', text: 'a' })}\n{"kind":"obs`;
    assert.equal(parseNdjson(text).length, 1);
  });

  it('never keeps a secret: passwords are replaced in every string value', () => {
    addSecret('hunter2-pw');
    const h = new History(manualClock());
    const file = join(dir, 'secret.ndjson');
    h.streamTo(file);
    h.append(observation(0, "Access denied for user 'hunter2-pw'@'%'"));
    h.note('password was hunter2-pw');
    h.close();
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /hunter2-pw/);
    assert.match(text, /Access denied for user '\*\*\*'/);
    assert.equal(redactText('x hunter2-pw y'), 'x *** y');
  });

  it('tells subscribers of every record in order', () => {
    const h = new History(manualClock());
    const seen: string[] = [];
    const off = h.subscribe((r) => seen.push(r.kind));
    h.append(observation(0));
    h.note('n');
    off();
    h.note('after unsubscribe');
    assert.deepEqual(seen, ['observation', 'note']);
    assert.equal(h.probes('simple')?.count, 1);
  });

  it('keeps no probe in memory however long the drill: 7 hours at 10 Hz cost what a minute does', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const h = new History(manualClock());
    const probe = (i: number): Omit<Observation, 'at'> => ({
      ...observation(i * 100),
      seq: i,
      t1: i * 100 + 2 + (i % 7) / 10,
      address: '10.0.0.1',
      role: 'writer',
      nodeId: 'node-01',
      ...(i >= 120_000 && i < 120_050
        ? { ok: false, error: { code: 'ECONNREFUSED', message: 'refused' } }
        : {}),
    });
    for (let i = 0; i < 1000; i++) h.append(probe(i));
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 1000; i < 250_000; i++) h.append(probe(i));
    gc();
    const grewMb = (process.memoryUsage().heapUsed - before) / 1e6;
    // Kept as objects, these 249 000 probes would take about 80 MB.
    assert.ok(grewMb < 5, `the heap grew ${grewMb.toFixed(1)} MB`);
    const m = analyze(h.kept).monitors[0];
    assert.equal(m?.probes, 250_000);
    assert.equal(m?.failed, 50);
    assert.equal(m?.outages.length, 1);
    // From the first refused probe's start to the end of the first good one after (its latency 2 ms).
    assert.equal(m?.downtimeMs, 5002);
    assert.deepEqual(m?.latencyMs, { p50: 2.3, p95: 2.6, max: 2.6 });
  });
});

describe('write sequence numbers', () => {
  it('keeps runs of numbers, joins a late one into its place, and counts each once', () => {
    const seqs = new SeqSet();
    for (const seq of [1, 2, 3, 5, 9, 8, 4, 4, 12, 6, 7, 11]) seqs.add(seq);
    assert.deepEqual([...seqs], [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
    assert.equal(seqs.size, 11);
  });

  it('stamps wall time to the millisecond exactly as Date does, across seconds', () => {
    const origin = Date.UTC(2026, 11, 31, 23, 59, 59, 998);
    const clock = manualClock(origin);
    for (const t of [0, 0.4, 1, 1.7, 2, 999.9, 1000, 61_234.56, 86_400_000.2]) {
      assert.equal(clock.isoAt(t), new Date(origin + t).toISOString(), `t = ${t}`);
    }
  });
});
