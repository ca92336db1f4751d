import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis.js';
import { ExitCode } from '../../src/core/errors.js';
import { verdict } from '../../src/core/verdict.js';
import { HistoryBuilder } from '../support/histories.js';

const only = (h: HistoryBuilder) => {
  const m = analyze(h.records).monitors[0];
  assert.ok(m);
  return m;
};

describe('analysis of synthetic histories', () => {
  it('no outage: every probe good', () => {
    const m = only(new HistoryBuilder().writer('node-01', 20));
    assert.equal(m.probes, 20);
    assert.equal(m.good, 20);
    assert.deepEqual(m.outages, []);
    assert.equal(m.downtimeMs, null);
    assert.equal(m.tightDowntimeMs, null);
    assert.equal(m.recovered, true);
    assert.equal(m.flipFlops, 0);
    assert.equal(m.staleRoleMs, 0);
    assert.deepEqual(m.errors, {});
    assert.equal(m.timeToFirstConnectMs, 5);
    assert.deepEqual(m.nodes, ['node-01']);
    assert.equal(verdict(analyze([]), {}, 'duration').exitCode, ExitCode.passed);
  });

  it('one outage: first bad probe start to first good probe end, and the tighter bound', () => {
    // good at 0, 250, 500 (ends 505); refused at 750, 1000, 1250; good at 1500 (ends 1505)
    const m = only(new HistoryBuilder().writer('node-01', 3).fail('ECONNREFUSED', 3).writer('node-02', 2));
    assert.equal(m.outages.length, 1);
    assert.deepEqual(
      { start: m.outages[0]?.startMs, end: m.outages[0]?.endMs, bad: m.outages[0]?.badProbes },
      { start: 750, end: 1505, bad: 3 },
    );
    assert.equal(m.downtimeMs, 755);
    assert.equal(m.tightDowntimeMs, 1500 - 505);
    assert.equal(m.resolutionMs, 250);
    assert.equal(m.recovered, true);
    assert.deepEqual(m.errors, { ECONNREFUSED: 3 });
    assert.deepEqual(m.nodes, ['node-01', 'node-02']);
  });

  it('outage that starts before the trigger is the one the downtime is about', () => {
    const h = new HistoryBuilder()
      .writer('node-01', 2)
      .fail('ECONNREFUSED', 1) // 500: an earlier blip, over before the trigger
      .writer('node-01', 4) // 750..1500
      .fail('PROTOCOL_CONNECTION_LOST', 4) // 1750..2500: starts before the trigger is acknowledged
      .writer('node-02', 2); // 2750
    h.trigger(1800);
    const m = only(h);
    assert.equal(m.outages.length, 2);
    assert.equal(m.downtimeMs, 2755 - 1750);
    assert.equal(analyze(h.records).triggerAtMs, 1800);
    // Without the trigger the first outage would be taken.
    const noTrigger = analyze(h.records.filter((r) => r.kind !== 'trigger')).monitors[0];
    assert.equal(noTrigger?.downtimeMs, 755 - 500);
  });

  it('never recovered: the outage stays open, figures are lower bounds, the verdict fails', () => {
    const h = new HistoryBuilder().writer('node-01', 4).fail('ETIMEDOUT', 8, 1000);
    const a = analyze(h.records);
    const m = a.monitors[0];
    assert.ok(m);
    assert.equal(m.recovered, false);
    assert.equal(m.outages[0]?.endMs, null);
    // 8 probes of 1 s each, starting at 1000 and every 1000 ms: the last one ends at 9000
    assert.equal(m.downtimeMs, 9000 - 1000);
    const v = verdict(a, {}, 'timeout');
    assert.equal(v.exitCode, ExitCode.failed);
    assert.match(v.reasons[0] ?? '', /simple: never recovered \(down for at least 8\.000 s\)/);
  });

  it('flip-flop writer -> reader -> writer counts two role changes and one outage', () => {
    const m = only(new HistoryBuilder().writer('node-01', 4).reader('node-01', 3).writer('node-01', 4));
    assert.equal(m.flipFlops, 2);
    assert.equal(m.outages.length, 1);
    assert.equal(m.outages[0]?.wrongRoleProbes, 3);
    assert.equal(m.failed, 0);
  });

  it('stale-role window: connected to the demoted writer while DNS still pointed at it', () => {
    // writer node-01; refused x2 (both restart); node-01 answers as a reader x3 (stale DNS); node-02 writer
    const m = only(
      new HistoryBuilder()
        .writer('node-01', 4)
        .fail('ECONNREFUSED', 2)
        .reader('node-01', 3)
        .writer('node-02', 4),
    );
    assert.equal(m.staleRoleMs, 3 * 250);
    assert.equal(m.wrongRole, 3);
    assert.equal(m.outages.length, 1);
    assert.equal(m.downtimeMs, 2250 + 5 - 1000);
    assert.deepEqual(m.nodes, ['node-01', 'node-02']);
    assert.equal(m.flipFlops, 2);
  });

  it('probe slower than the interval: the resolution is the real probe spacing, not the interval', () => {
    const h = new HistoryBuilder(250).writer('node-01', 3).fail('ETIMEDOUT', 2, 1000).writer('node-01', 2);
    const m = only(h);
    // failures start at 750 and 1750 (each took 1 s, so the next slot is 1 s later); recovery starts at 2750
    assert.equal(m.outages[0]?.startMs, 750);
    assert.equal(m.outages[0]?.endMs, 2755);
    assert.equal(m.resolutionMs, 1000);
    assert.equal(m.tightDowntimeMs, 2750 - 505);
  });

  it('errors of several codes are counted by code, overall and per outage', () => {
    const m = only(
      new HistoryBuilder()
        .writer('node-01', 2)
        .fail('PROTOCOL_CONNECTION_LOST', 1)
        .fail('ECONNREFUSED', 3)
        .fail('1290', 1)
        .fail('ETIMEDOUT', 2)
        .writer('node-02', 1),
    );
    assert.deepEqual(m.errors, { PROTOCOL_CONNECTION_LOST: 1, ECONNREFUSED: 3, '1290': 1, ETIMEDOUT: 2 });
    assert.deepEqual(m.outages[0]?.errors, m.errors);
    assert.equal(m.failed, 7);
  });

  it('Ctrl+C mid-outage: partial figures and exit 130', () => {
    const h = new HistoryBuilder().writer('node-01', 8).fail('ECONNREFUSED', 5);
    const a = analyze(h.records);
    const m = a.monitors[0];
    assert.ok(m);
    assert.equal(m.recovered, false);
    assert.equal(m.downtimeMs, 3000 + 5 - 2000);
    assert.equal(m.outages[0]?.badProbes, 5);
    const v = verdict(a, { maxDowntimeMs: 60_000 }, 'interrupted');
    assert.equal(v.exitCode, ExitCode.interrupted);
    assert.match(v.reasons.join('\n'), /not recovered when interrupted/);
  });

  it('a drill that starts while the database is down reports time to first connect, not an outage', () => {
    const m = only(new HistoryBuilder().fail('ECONNREFUSED', 4).reader('node-02', 1).writer('node-01', 3));
    assert.equal(m.outages.length, 0);
    assert.equal(m.timeToFirstConnectMs, 1005);
    assert.equal(m.timeToFirstGoodMs, 1255);
  });

  it('--max-downtime fails a drill whose downtime is longer, and passes one within it', () => {
    const a = analyze(
      new HistoryBuilder().writer('node-01', 3).fail('ECONNREFUSED', 8).writer('node-02', 2).records,
    );
    const fail = verdict(a, { maxDowntimeMs: 1000 }, 'recovered');
    assert.equal(fail.exitCode, ExitCode.failed);
    assert.match(fail.reasons[0] ?? '', /downtime 2\.005 s exceeds --max-downtime 1\.000 s/);
    assert.equal(verdict(a, { maxDowntimeMs: 3000 }, 'recovered').exitCode, ExitCode.passed);
  });
});
