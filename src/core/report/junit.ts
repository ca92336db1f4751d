import { writeFileSync } from 'node:fs';
import type { MonitorFigures } from '../analysis.js';
import { wholeMs } from '../rounding.js';
import { redactText } from '../secrets.js';
import type { Gate, GateFailure } from '../verdict.js';
import type { RenderContext, Renderer, RunResult, SessionResult } from './renderer.js';
import { errors } from './summary.js';

/**
 * `junit`: JUnit XML as Jenkins, GitLab and GitHub test reporters read it (test/fixtures/junit/jenkins-junit.xsd):
 * a test suite per run, a test case per monitor and per gate, a failure carrying the verdict's reason, the figures
 * as the suite's properties (the schema has no properties on a test case), every time in seconds.
 */
export function junitRenderer(_ctx: RenderContext, to: string | undefined): Renderer {
  return {
    name: 'junit',
    sessionEnded(session) {
      if (to === undefined) throw new Error('the junit renderer needs a file');
      writeFileSync(to, renderJunit(session));
    },
  };
}

interface TestCase {
  name: string;
  /** Seconds. */
  time: number;
  failure?: GateFailure;
  skipped?: string;
  out?: string;
}

export function renderJunit(session: SessionResult): string {
  const suites = session.runs.map(suite);
  const count = (f: (s: Suite) => number) => suites.reduce((n, s) => n + f(s), 0);
  const head = attributes({
    name: 'failover drill',
    tests: count((s) => s.cases.length),
    failures: count((s) => s.failures),
    errors: 0,
    time: seconds(session.runs.reduce((t, r) => t + r.analysis.elapsedMs, 0)),
  });
  // Redacted here, not by the caller: no path to a JUnit file can forget it.
  return redactText(
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites${head}>`,
      ...suites.map((s) => s.xml),
      '</testsuites>',
      '',
    ].join('\n'),
  );
}

interface Suite {
  cases: TestCase[];
  failures: number;
  xml: string;
}

function suite(run: RunResult): Suite {
  const name = `drill run ${run.index + 1}: ${run.target.endpoint}`;
  const cases = testCases(run);
  const failures = cases.filter((c) => c.failure).length;
  const head = attributes({
    name,
    tests: cases.length,
    failures,
    errors: 0,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    time: seconds(run.analysis.elapsedMs),
    timestamp: run.startedAt,
  });
  const props = properties(run).map(([k, v]) => `      <property${attributes({ name: k, value: v })}/>`);
  const lines = [`  <testsuite${head}>`];
  if (props.length) lines.push('    <properties>', ...props, '    </properties>');
  for (const c of cases) lines.push(testCase(c, name));
  lines.push('  </testsuite>');
  return { cases, failures, xml: lines.join('\n') };
}

function testCase(c: TestCase, classname: string): string {
  const head = `    <testcase${attributes({ classname, name: c.name, time: seconds(c.time * 1000) })}`;
  const body: string[] = [];
  // The schema's order inside a test case: skipped, failure, system-out.
  if (c.skipped !== undefined) body.push(`      <skipped>${text(c.skipped)}</skipped>`);
  if (c.failure) {
    const type = attributes({ message: c.failure.reason, type: c.failure.gate });
    body.push(`      <failure${type}>${text(c.failure.reason)}</failure>`);
  }
  if (c.out) body.push(`      <system-out>${text(c.out)}</system-out>`);
  return body.length ? `${head}>\n${body.join('\n')}\n    </testcase>` : `${head}/>`;
}

/**
 * Every gate of the verdict has its test case, so that a run fails in CI exactly when the drill failed: a monitor
 * (it saw the role it wanted), its recovery, its --max-downtime when given, the trigger when one was asked for,
 * and the lost writes when writes were checked. A monitor's test case takes its downtime as its time.
 */
function testCases(run: RunResult): TestCase[] {
  const { analysis, verdict, gates } = run;
  const failed = (gate: Gate, monitor?: string) =>
    verdict.failures.find((f) => f.gate === gate && f.monitor === monitor);
  const cases: TestCase[] = [];
  const triggerName = analysis.trigger?.name ?? gates.trigger;
  if (triggerName !== undefined) {
    cases.push({ name: `trigger ${triggerName}`, time: triggerSeconds(run), failure: failed('trigger') });
  }
  for (const m of analysis.monitors) {
    const downtime = (m.downtimeMs ?? 0) / 1000;
    cases.push({
      name: `monitor ${m.monitor}`,
      time: downtime,
      failure: failed('saw-role', m.monitor),
      out: monitorText(m),
    });
    cases.push({ name: `recovered: ${m.monitor}`, time: downtime, failure: failed('recovered', m.monitor) });
    if (gates.maxDowntimeMs !== undefined) {
      cases.push({
        name: `max-downtime ${gates.maxDowntimeMs / 1000} s: ${m.monitor}`,
        time: downtime,
        failure: failed('max-downtime', m.monitor),
      });
    }
  }
  const w = analysis.writes;
  if (w) {
    const c: TestCase = { name: 'lost writes', time: 0, failure: failed('lost-writes') };
    if (w.lost === null) c.skipped = 'the ledger could not be read back';
    else
      c.out = `${w.acknowledged} acknowledged, ${w.failed} failed, ${w.indeterminate} indeterminate, ${w.lost} lost`;
    cases.push(c);
  }
  return cases;
}

function triggerSeconds(run: RunResult): number {
  const t = run.analysis.trigger;
  if (!t) return 0;
  const end = t.completedAtMs ?? t.acknowledgedAtMs;
  return end === null ? 0 : (end - t.requestedAtMs) / 1000;
}

function monitorText(m: MonitorFigures): string {
  const lines = [
    `target: ${m.target}`,
    `probes: ${m.probes} (${m.good} good, ${m.wrongRole} wrong role, ${m.failed} failed)`,
    `downtime: ${m.downtimeMs === null ? 'none' : `${seconds(m.downtimeMs)} s ± ${seconds(m.resolutionMs)} s`}`,
    `nodes seen: ${m.nodes.join(' -> ') || '-'}`,
    `errors: ${errors(m.errors)}`,
  ];
  return lines.join('\n');
}

/** The run's figures, flat: names a CI can chart, times in seconds, a monitor's figures under its name. */
function properties(run: RunResult): [string, string][] {
  const { analysis: a } = run;
  const p: [string, string | number | null][] = [
    ['target', run.target.endpoint],
    ['stopped-by', run.stop],
    ['passed', String(run.verdict.passed)],
    ['elapsed_s', seconds(a.elapsedMs)],
  ];
  if (run.gates.maxDowntimeMs !== undefined)
    p.push(['gate.max-downtime_s', seconds(run.gates.maxDowntimeMs)]);
  if (a.trigger) {
    p.push(['trigger', a.trigger.name], ['trigger.requested_s', seconds(a.trigger.requestedAtMs)]);
    p.push(['trigger.completed_s', secondsOrNull(a.trigger.completedAtMs)]);
  }
  for (const m of a.monitors) {
    const k = (figure: string) => `${m.monitor}.${figure}`;
    p.push(
      [k('mode'), m.mode],
      [k('probes'), m.probes],
      [k('outages'), m.outages.length],
      [k('downtime_s'), secondsOrNull(m.downtimeMs)],
      [k('tight-downtime_s'), secondsOrNull(m.tightDowntimeMs)],
      [k('resolution_s'), seconds(m.resolutionMs)],
      [k('recovered'), String(m.recovered)],
      [k('time-to-first-connect_s'), secondsOrNull(m.timeToFirstConnectMs)],
      [k('stale-role_s'), seconds(m.staleRoleMs)],
      [k('flip-flops'), m.flipFlops],
      [k('read-only-errors'), m.readOnlyErrors],
      [k('nodes'), m.nodes.join(' -> ')],
    );
  }
  if (a.provider) p.push(['provider.failover_s', secondsOrNull(a.provider.failoverMs)]);
  if (a.writes) {
    p.push(['writes.acknowledged', a.writes.acknowledged], ['writes.lost', a.writes.lost]);
  }
  if (a.load) p.push(['load.longest-gap_s', secondsOrNull(a.load.longestGapMs)]);
  if (a.groundTruth) p.push(['lab.writer-recovery_s', secondsOrNull(a.groundTruth.writerRecoveryMs)]);
  // An absent figure is left out rather than written as an empty value a chart would read as 0.
  return p.filter((e): e is [string, string | number] => e[1] !== null).map(([k, v]) => [k, String(v)]);
}

/** JUnit times are seconds, to the millisecond the summary shows. */
function seconds(ms: number): string {
  return (wholeMs(ms) / 1000).toFixed(3);
}

function secondsOrNull(ms: number | null): string | null {
  return ms === null ? null : seconds(ms);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${text(String(v)).replaceAll('"', '&quot;').replaceAll('\n', '&#10;')}"`)
    .join('');
}

/** Escapes XML's specials and drops what XML 1.0 cannot carry at all (most control characters). */
function text(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what XML forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
  );
}
