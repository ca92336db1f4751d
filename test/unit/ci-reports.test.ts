import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { compareDrills, renderComparison } from '../../src/core/report/compare.js';
import { createRenderers } from '../../src/core/report/index.js';
import { buildReport, sessionFromReport } from '../../src/core/report/json.js';
import { renderJunit } from '../../src/core/report/junit.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { SessionResult } from '../../src/core/report/renderer.js';
import { styleFor } from '../../src/core/report/style.js';
import { renderSummary } from '../../src/core/report/summary.js';
import { addSecret } from '../../src/core/secrets.js';
import { readSavedDrill } from '../../src/core/session/replay.js';
import { HistoryBuilder, type SavedRunFixture, savedHistory } from '../support/histories.js';
import { junitProblems } from '../support/junit.js';
import { reportProblems } from '../support/schema.js';

const tool = { name: 'failover-drill', version: '0.0.0' };
const plain = styleFor(new PassThrough(), false);
const dir = mkdtempSync(join(tmpdir(), 'drill-ci-reports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 2 s of the writer, the trigger, `downS` seconds refused, the new writer. */
function failover(downS: number, monitor = 'simple'): HistoryBuilder {
  return new HistoryBuilder(250, 5, monitor)
    .writer('node-01', 8)
    .trigger(2000)
    .fail('ECONNREFUSED', downS * 4)
    .writer('node-02', 8);
}

function session(runs: SavedRunFixture[], endpoint?: string): SessionResult {
  return readSavedDrill(savedHistory(runs, endpoint)).replay({
    human: new PassThrough(),
    style: plain,
    renderers: [],
  });
}

const gated = (downS: number): SavedRunFixture => ({
  records: failover(downS).records,
  gates: { maxDowntimeMs: 5000, trigger: 'failover' },
});

describe('JUnit report', () => {
  it('validates against the JUnit schema Jenkins reads; the breached gate fails with its reason', async () => {
    const xml = renderJunit(session([gated(10)]));
    assert.deepEqual(await junitProblems(xml), []);
    // The validator is a real one: a test case without its required name is refused.
    assert.notDeepEqual(await junitProblems(xml.replace('name="monitor simple" ', '')), []);
    assert.match(xml, /<testsuites name="failover drill" tests="4" failures="1" errors="0"/);
    assert.match(xml, /<testcase [^>]*name="trigger failover" time="0.000"\/>/);
    assert.match(xml, /<testcase [^>]*name="monitor simple" time="10.005">/);
    assert.match(xml, /<testcase [^>]*name="recovered: simple" time="10.005"\/>/);
    assert.match(
      xml,
      /name="max-downtime 5 s: simple" time="10.005">\n\s*<failure message="simple: downtime 10.005 s exceeds --max-downtime 5.000 s" type="max-downtime">/,
    );
    // Figures are the suite's properties, in seconds.
    assert.match(xml, /<property name="simple.downtime_s" value="10.005"\/>/);
    assert.match(xml, /<property name="simple.resolution_s" value="0.250"\/>/);
    assert.match(xml, /<property name="elapsed_s" value="13.755"\/>/);
  });

  it('a suite per run, a run that never recovered fails its recovered case, and no secret is written', async () => {
    addSecret('s3cret-pw');
    const never: SavedRunFixture = {
      records: new HistoryBuilder().writer('node-01', 8).trigger(2000).fail('ETIMEDOUT', 8).records,
      stop: 'timeout',
      gates: { trigger: 'failover' },
    };
    const s = session([gated(1), never], 'db-s3cret-pw.example:3306');
    const xml = renderJunit(s);
    assert.deepEqual(await junitProblems(xml), []);
    assert.equal(xml.match(/<testsuite /g)?.length, 2);
    assert.match(
      xml,
      /name="recovered: simple" time="[\d.]+">\n\s*<failure message="simple: never recovered/,
    );
    assert.match(xml, /<testsuites [^>]*failures="1"/);
    assert.doesNotMatch(xml, /s3cret-pw/);
    assert.match(xml, /db-\*\*\*.example:3306/);
    assert.doesNotMatch(renderMarkdown(s, tool), /s3cret-pw/);
  });

  it('escapes what XML cannot carry as it is', async () => {
    const h = failover(1);
    h.fail('<&"weird\u0001>', 1).writer('node-02', 4);
    const xml = renderJunit(session([{ records: h.records }]));
    assert.deepEqual(await junitProblems(xml), []);
    assert.match(xml, /&lt;&amp;"weird&gt; ×1/);
  });
});

describe('how the drill logged in', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf';
  const withLogin = (target: Partial<SessionResult['runs'][number]['target']>): SessionResult => {
    const s = session([gated(2)]);
    const run = s.runs[0];
    assert.ok(run);
    run.target = { ...run.target, user: 'admin', ...target };
    return s;
  };

  it('the JSON report says target.login, and target.secretId for a secret (its id, not its value)', () => {
    for (const login of ['password', 'iam', 'none'] as const) {
      const report = buildReport(tool, withLogin({ login }));
      assert.deepEqual(reportProblems(report), []);
      assert.equal(report.runs[0]?.target.login, login);
      assert.equal('secretId' in (report.runs[0]?.target ?? {}), false);
    }
    const report = buildReport(tool, withLogin({ login: 'secret', secretId: arn }));
    assert.deepEqual(reportProblems(report), []);
    assert.deepEqual(report.runs[0]?.target, {
      endpoint: report.runs[0]?.target.endpoint,
      host: report.runs[0]?.target.host,
      port: report.runs[0]?.target.port,
      user: 'admin',
      login: 'secret',
      secretId: arn,
    });
    // Read back (drill report FILE.json), it says the same.
    assert.deepEqual(buildReport(tool, sessionFromReport(report)).runs[0]?.target, report.runs[0]?.target);
    // The schema takes only the four ways.
    const wrong = structuredClone(report) as { runs: { target: { login: string } }[] };
    (wrong.runs[0] as { target: { login: string } }).target.login = 'kerberos';
    assert.notDeepEqual(reportProblems(wrong), []);
  });

  it('the Markdown report says it beside the target', () => {
    const line = (s: SessionResult) =>
      renderMarkdown(s, tool)
        .split('\n')
        .find((l) => l.startsWith('Target: '));
    assert.match(
      line(withLogin({ login: 'password' })) ?? '',
      /^Target: `[^`]+` · logged in with a password · started /,
    );
    assert.match(line(withLogin({ login: 'iam' })) ?? '', / · logged in with IAM tokens · /);
    assert.match(line(withLogin({ login: 'none' })) ?? '', / · logged in with no password · /);
    assert.ok(
      line(withLogin({ login: 'secret', secretId: arn }))?.includes(
        ` · logged in with the password of secret \`${arn}\` · `,
      ),
    );
    // A report written before login was kept says nothing of it.
    assert.match(line(session([gated(2)])) ?? '', /^Target: `[^`]+` · started /);
  });
});

describe('Markdown report', () => {
  it('verdict first, then the reasons, then a GitHub table with a column per monitor', () => {
    const md = renderMarkdown(session([gated(10)]), tool);
    const lines = md.split('\n');
    assert.equal(lines[0], '## Failover drill: ❌ FAIL');
    assert.ok(lines.includes('- **FAIL** simple: downtime 10.005 s exceeds --max-downtime 5.000 s'));
    const header = lines.indexOf('|  | **simple** |');
    assert.ok(header > 0, md);
    assert.equal(lines[header + 1], '| --- | --- |');
    assert.ok(lines.includes('| downtime | 10.005 s ± 250 ms |'), md);
    assert.ok(lines.includes('| errors | ECONNREFUSED ×40 |'), md);
    assert.ok(lines.some((l) => l.startsWith('- stopped: recovered')));
  });

  it('PASS heads a passing drill; a | in a value does not break the table; --repeat adds the spread', () => {
    const h = failover(1);
    h.fail('A|B', 1).writer('node-02', 4);
    const md = renderMarkdown(session([{ records: h.records }, { records: failover(2).records }]), tool);
    assert.match(md, /^## Failover drill: ✅ PASS\n/);
    assert.match(md, /\| errors \| ECONNREFUSED ×4, A\\\|B ×1 \|/);
    assert.match(md, /### 2 runs/);
    assert.match(md, /\| \*\*median\*\* \| /);
  });
});

describe('saved drills read back', () => {
  it('a history is judged as the drill judged it; a run the drill never ended counts as interrupted', () => {
    const s = session([gated(10)]);
    assert.equal(s.exitCode, ExitCode.failed);
    assert.equal(s.runs[0]?.gates.maxDowntimeMs, 5000);
    const killed = session([{ records: failover(1).records, killed: true }]);
    assert.equal(killed.interrupted, true);
    assert.equal(killed.exitCode, ExitCode.interrupted);
    assert.equal(killed.runs[0]?.target.endpoint, 'db:3306', 'from the monitor when the run-end is missing');
  });

  it('a JSON report read back renders the same report', () => {
    const report = buildReport(tool, session([gated(10), gated(2)]));
    const again = readSavedDrill(JSON.stringify(report, null, 2)).replay({
      human: new PassThrough(),
      style: plain,
      renderers: [],
    });
    assert.deepEqual(buildReport(tool, again), report);
    assert.deepEqual(
      again.runs[0]?.verdict.failures.map((f) => f.gate),
      ['max-downtime'],
    );
    assert.throws(() => sessionFromReport({ schemaVersion: 99, runs: [] }), /schema version 1/);
  });

  it('what is not a saved drill says so', () => {
    assert.throws(() => readSavedDrill('hello\n'), /neither a drill JSON report nor a history/);
    assert.throws(
      () => readSavedDrill(`${JSON.stringify({ kind: 'note', t: 0, at: 'x', level: 'info', text: 'x' })}\n`),
      /without run records/,
    );
  });

  it('a report whose file cannot be written is reported; the other reports are written and the exit code kept', () => {
    const human = new PassThrough();
    const markdown = join(dir, 'summary.md');
    const renderers = createRenderers(
      [
        { name: 'junit', to: dir }, // a folder: writing it fails
        { name: 'markdown', to: markdown },
      ],
      { human, stdout: new PassThrough(), style: plain, tty: false, tool },
    );
    const s = readSavedDrill(savedHistory([gated(10)])).replay({ human, style: plain, renderers });
    assert.equal(s.exitCode, ExitCode.failed);
    assert.match(String(human.read()), /drill: the junit report failed: EISDIR/);
    assert.match(readFileSync(markdown, 'utf8'), /^## Failover drill: ❌ FAIL/);
  });

  it('the step summary is appended to, never overwritten', () => {
    const file = join(dir, 'step-summary.md');
    writeFileSync(file, '# an earlier step\n');
    const renderers = createRenderers([{ name: 'step-summary', to: file }], {
      human: new PassThrough(),
      stdout: new PassThrough(),
      style: plain,
      tty: false,
      tool,
    });
    readSavedDrill(savedHistory([gated(1)])).replay({ human: new PassThrough(), style: plain, renderers });
    readSavedDrill(savedHistory([gated(10)])).replay({ human: new PassThrough(), style: plain, renderers });
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('# an earlier step\n## Failover drill: ✅ PASS'), text);
    assert.match(text, /## Failover drill: ❌ FAIL/);
  });
});

describe('compare', () => {
  const base = () => session([gated(4)]);
  it('a shorter downtime is no regression; a longer one past the limit is, by name', () => {
    assert.deepEqual(compareDrills(base(), session([gated(3)]), ['downtime'], 20).regressions, []);
    const worse = compareDrills(base(), session([gated(6)]), ['downtime'], 20);
    assert.deepEqual(
      worse.regressions.map((r) => [r.figure, r.monitor, r.base, r.next, Math.round(r.changePct ?? 0)]),
      [['downtime', 'simple', 4005, 6005, 50]],
    );
    assert.deepEqual(compareDrills(base(), session([gated(6)]), ['downtime'], 60).regressions, []);
  });

  it('a half millisecond reads the same in the summary, the JSON report and compare: rounded half up', () => {
    // Every probe takes `latencyMs`: the downtime ends with the first good probe's end, at a half or just under.
    const drill = (latencyMs: number, failed: number) =>
      session([
        {
          records: new HistoryBuilder(250, latencyMs)
            .writer('node-01', 8)
            .trigger(2000)
            .fail('ECONNREFUSED', failed)
            .writer('node-02', 8).records,
        },
      ]);
    const base = drill(234.5, 4); // downtime 1234.5 ms
    const next = drill(162.45, 1); // downtime 412.45 ms: the report keeps 412.5
    const report = (s: SessionResult) => buildReport(tool, s).runs[0]?.monitors[0]?.downtimeMs;
    assert.deepEqual([report(base), report(next)], [1234.5, 412.5]);
    const summary = (s: SessionResult) => {
      const run = s.runs[0] as SessionResult['runs'][number];
      return renderSummary(run.analysis, run.verdict, run, plain);
    };
    assert.match(summary(base), /downtime\s+1\.235 s/);
    assert.match(summary(next), /downtime\s+413 ms/);
    const compared = renderComparison(
      compareDrills(base, next, ['downtime'], 20),
      { basePath: 'base.json', newPath: 'new.json', gated: ['downtime'], limit: 20 },
      plain,
    );
    assert.match(compared, /downtime\s+simple\s+1\.235 s\s+413 ms\s+-67%/);
    // The same figures from the JSON report, as `drill report compare` reads a saved one.
    const fromReport = (s: SessionResult) =>
      sessionFromReport(JSON.parse(JSON.stringify(buildReport(tool, s))));
    assert.equal(
      renderComparison(
        compareDrills(fromReport(base), fromReport(next), ['downtime'], 20),
        { basePath: 'base.json', newPath: 'new.json', gated: ['downtime'], limit: 20 },
        plain,
      ),
      compared,
    );
  });

  it('with --repeat the median of the runs; from no outage to one is a regression whatever the limit', () => {
    const noOutage = session([{ records: new HistoryBuilder().writer('node-01', 20).records }]);
    const c = compareDrills(noOutage, base(), ['downtime'], 1000);
    assert.equal(c.regressions[0]?.base, 0);
    const repeated = session([gated(2), gated(4), gated(9)]);
    assert.equal(compareDrills(base(), repeated, ['downtime'], 20).rows[0]?.next, 4005);
  });

  it('a drill with no failover in it, or of another fault, cannot be compared: it would read as 0 downtime', () => {
    const neverFired = session([
      { records: new HistoryBuilder().writer('node-01', 20).records, gates: { trigger: 'failover' } },
    ]);
    assert.throws(
      () => compareDrills(base(), neverFired, ['downtime'], 20),
      (e: unknown) =>
        e instanceof DrillError && /^NEW cannot be compared: trigger failover never fired/.test(e.message),
    );
    const crash = session([
      {
        records: new HistoryBuilder(250, 5, 'simple')
          .writer('node-01', 8)
          .trigger(2000, 'crash')
          .fail('ECONNREFUSED', 4)
          .writer('node-01', 8).records,
      },
    ]);
    assert.throws(
      () => compareDrills(base(), crash, ['downtime'], 20),
      /different faults \(failover vs crash\)/,
    );
  });

  it('NEW failing its own gates is a regression whatever the figures; BASE failing its own is a note', () => {
    const c = compareDrills(session([gated(10)]), session([gated(6)]), ['downtime'], 20);
    assert.deepEqual(c.regressions, []);
    assert.match(c.newFailures.join('\n'), /downtime 6\.005 s exceeds --max-downtime 5\.000 s/);
    assert.match(c.notes.join('\n'), /^BASE failed its own gates: simple: downtime 10\.005 s exceeds/);
  });

  it('different monitors, or a gated figure one side lacks, cannot be compared', () => {
    const other = session([{ records: failover(4, 'aware').records }]);
    assert.throws(
      () => compareDrills(base(), other, ['downtime'], 20),
      (e: unknown) => e instanceof DrillError && /different monitors \(simple vs aware\)/.test(e.message),
    );
    assert.throws(
      () => compareDrills(base(), base(), ['provider-failover'], 20),
      /--figure provider-failover: BASE has none/,
    );
  });
});
