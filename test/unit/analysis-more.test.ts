import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis.js';
import type {
  FailoverPhase,
  GroundTruthEvent,
  GroundTruthFact,
  HistoryRecord,
  Observation,
  ServiceEvent,
} from '../../src/core/history.js';
import { verdict } from '../../src/core/verdict.js';
import { HistoryBuilder } from '../support/histories.js';

const at = (t: number) => new Date(Date.UTC(2026, 0, 1) + t).toISOString();
const truth = (t: number, what: string, fact?: GroundTruthFact, node?: string): GroundTruthEvent => ({
  kind: 'ground-truth',
  t,
  at: at(t),
  what,
  ...(fact ? { fact } : {}),
  ...(node ? { node } : {}),
});
const event = (t: number, message: string, phase?: FailoverPhase): ServiceEvent => ({
  kind: 'service-event',
  t,
  at: at(t),
  source: 'rds',
  message,
  ...(phase ? { phase } : {}),
});

describe('analysis: new writer, ground truth, provider events', () => {
  it('says when a new writer was first seen and by which route', () => {
    const h = new HistoryBuilder().writer('node-01', 4).fail('ECONNREFUSED', 3).writer('node-02', 3);
    const obs = h.records.filter((r): r is Observation => r.kind === 'observation');
    (obs[7] as Observation).route = 'sweep:instance';
    const m = analyze(h.records).monitors[0];
    assert.equal(m?.firstNewWriterSeenMs, 1750 + 5);
    assert.equal(m?.firstNewWriterRoute, 'sweep:instance');
  });

  it('reads writer down/up and the DNS switch from the lab ground truth, after the trigger', () => {
    const h = new HistoryBuilder().writer('node-01', 4).fail('ECONNREFUSED', 3).writer('node-02', 3);
    h.trigger(900);
    const records: HistoryRecord[] = [
      ...h.records,
      truth(100, 'instance-down node-01', 'node-down', 'node-01'), // before the trigger: not this failover
      truth(900, 'instance-down node-02', 'node-down', 'node-02'), // a reader: not the writer going down
      truth(950, 'writes-stopped node-01', 'node-down', 'node-01'),
      truth(980, 'instance-down node-01', 'node-down', 'node-01'),
      truth(1200, 'topology: writer node-02'),
      truth(1600, 'instance-up node-02 writer', 'writer-up', 'node-02'),
      truth(2600, 'dns cluster -> 10.0.0.2', 'writer-endpoint-moved'),
    ];
    assert.deepEqual(analyze(records).groundTruth, {
      writerDownMs: 950,
      writerUpMs: 1600,
      writerRecoveryMs: 650,
      dnsSwitchedMs: 2600,
    });
    assert.equal(analyze(h.records).groundTruth, null);
  });

  it("takes the provider's failover duration from its Started and Completed events", () => {
    const h = new HistoryBuilder().writer('node-01', 2);
    const records = [
      ...h.records,
      event(1000, 'Started cross AZ failover to DB instance: node-02', 'failover-started'),
      event(1500, 'DB instance restarted'),
      event(9200, 'Completed failover to DB instance: node-02', 'failover-completed'),
    ];
    assert.deepEqual(analyze(records).provider, {
      failoverStartedMs: 1000,
      failoverCompletedMs: 9200,
      failoverMs: 8200,
    });
  });
});

describe('analysis: the write ledger', () => {
  function ledger(outcomes: ('acknowledged' | 'failed' | 'indeterminate')[], present: number[] | undefined) {
    const records: HistoryRecord[] = outcomes.map((outcome, i) => ({
      kind: 'observation',
      monitor: 'writes',
      seq: i,
      t0: i * 100,
      t1: i * 100 + 5,
      at: at(i * 100),
      target: 'db:3306',
      expect: 'writer',
      ok: outcome === 'acknowledged',
      ...(outcome === 'acknowledged'
        ? { role: 'writer' as const }
        : { error: { code: 'ECONNREFUSED', message: 'x' } }),
      write: { seq: i + 1, outcome },
    }));
    if (present) records.push({ kind: 'write-readback', t: 9999, at: at(9999), present });
    return analyze(records);
  }

  it('counts acknowledged, failed and indeterminate writes, and none lost when all acknowledged are there', () => {
    const a = ledger(
      ['acknowledged', 'acknowledged', 'failed', 'indeterminate', 'acknowledged'],
      [1, 2, 4, 5],
    );
    assert.deepEqual(a.writes, {
      attempted: 5,
      acknowledged: 3,
      failed: 1,
      indeterminate: 1,
      lost: 0,
      lostSeqs: [],
    });
    assert.equal(verdict(a, {}, 'recovered').passed, true);
  });

  it('reports acknowledged writes missing from the read-back as lost, and fails the drill', () => {
    const a = ledger(['acknowledged', 'acknowledged', 'acknowledged'], [1]);
    assert.equal(a.writes?.lost, 2);
    assert.deepEqual(a.writes?.lostSeqs, [2, 3]);
    const v = verdict(a, {}, 'recovered');
    assert.equal(v.exitCode, 1);
    assert.match(v.reasons.join('\n'), /2 acknowledged writes lost \(ledger seq 2, 3\)/);
  });

  it('says lost is unknown when the ledger could not be read back', () => {
    assert.equal(ledger(['acknowledged'], undefined).writes?.lost, null);
  });
});

describe('repeated drills', () => {
  it('summarises each monitor over the runs: min, median, p95, max, and how many runs had the figure', async () => {
    const { summarizeRuns, spread } = await import('../../src/core/repeats.js');
    const run = (down: number) =>
      analyze(
        new HistoryBuilder().writer('node-01', 4).fail('ECONNREFUSED', down).writer('node-02', 2).records,
      );
    const calm = analyze(new HistoryBuilder().writer('node-01', 5).records);
    const s = summarizeRuns([run(2), run(8), calm, run(4)]);
    assert.equal(s.runs, 4);
    assert.deepEqual(s.monitors.simple?.downtimeMs, { min: 505, median: 1005, p95: 2005, max: 2005, n: 3 });
    assert.equal(s.providerFailoverMs, null);
    assert.equal(spread([]), null);
  });
});
