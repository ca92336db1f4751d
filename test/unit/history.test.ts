import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { manualClock } from '../../src/core/clock.js';
import { History, type Observation, parseNdjson } from '../../src/core/history.js';
import { addSecret, redactText } from '../../src/core/secrets.js';

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
    assert.equal(h.observations('simple').length, 1);
  });
});
