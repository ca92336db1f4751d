import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { addresses } from '../support/addresses.js';
import { drill, drillBin } from '../support/cli.js';
import { HistoryBuilder, savedHistory } from '../support/histories.js';
import { junitProblems } from '../support/junit.js';
import { writeLongHistory } from '../support/long-history.js';

// The throwaway lab of `drill aurora --lab`: instances on 127.0.0.81 and .82 (proxy .80).
const { throwaway } = addresses.report;
const dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

describe('drill report: a real lab drill rendered again', () => {
  it('the history gives the same figures as the live JSON report; JUnit, Markdown and the step summary are written', async () => {
    const [history, report, junit, markdown, step] = ['h.ndjson', 'r.json', 'j.xml', 'm.md', 'step.md'].map(
      file,
    );
    writeFileSync(step as string, '# build\n\nearlier step\n');
    const live = await drill(
      ['aurora', '--lab', '--trigger', 'failover', '--at', '1s', '--until-recovered', '--settle', '1s']
        .concat(['--history', history as string, '--report', report as string])
        .concat(['--junit', junit as string, '--markdown', markdown as string, '--max-downtime', '60s']),
      { DRILL_LAB_FIRST_ADDRESS: String(throwaway.first), GITHUB_STEP_SUMMARY: step },
      120_000,
    );
    assert.equal(live.code, 0, live.stderr + live.stdout);

    const again = await drill(['report', history as string, '--json', '--no-step-summary']);
    assert.equal(again.code, 0, again.stderr);
    const saved = JSON.parse(readFileSync(report as string, 'utf8'));
    assert.deepEqual(JSON.parse(again.stdout), saved, 'the history is analysed and judged as the drill did');
    assert.ok(saved.runs[0].monitors[0].downtimeMs > 0);
    assert.match(again.stderr, /downtime\s+[\d.]+ m?s ± /, 'the summary goes to stderr beside --json');

    const xml = readFileSync(junit as string, 'utf8');
    assert.deepEqual(await junitProblems(xml), []);
    assert.match(xml, /<testsuites name="failover drill" tests="4" failures="0"/);
    const downtimeS = (saved.runs[0].monitors[0].downtimeMs / 1000).toFixed(3);
    assert.match(xml, new RegExp(`<property name="simple.downtime_s" value="${downtimeS}"/>`));

    const md = readFileSync(markdown as string, 'utf8');
    assert.match(md, /^## Failover drill: ✅ PASS\n/);
    assert.match(md, /\n\| downtime \| [\d.]+ m?s ± /);
    const summary = readFileSync(step as string, 'utf8');
    assert.ok(summary.startsWith('# build\n\nearlier step\n## Failover drill: ✅ PASS'), summary);

    const rerendered = await drill(['report', history as string, '--junit', file('j2.xml'), '--no-color'], {
      GITHUB_STEP_SUMMARY: undefined,
    });
    assert.equal(rerendered.code, 0, rerendered.stderr);
    assert.equal(readFileSync(file('j2.xml'), 'utf8'), xml, 'the same JUnit from the history');
    assert.match(rerendered.stdout, /^PASS$/m);
  });
});

describe('drill report compare: the CI gate', () => {
  const saved = (name: string, downS: number, monitor = 'simple') => {
    const h = new HistoryBuilder(250, 5, monitor).writer('node-01', 8).trigger(2000);
    h.fail('ECONNREFUSED', downS * 4).writer('node-02', 8);
    writeFileSync(file(name), savedHistory([{ records: h.records, gates: { trigger: 'failover' } }]));
    return file(name);
  };
  const base = saved('base.ndjson', 4);

  it('an improvement exits 0', async () => {
    const r = await drill(['report', 'compare', base, saved('better.ndjson', 3)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /downtime\s+simple\s+4\.005 s\s+3\.005 s\s+-25%/);
    assert.match(r.stdout, /no regression past \+20% in downtime/);
  });

  it('a regression past the limit exits 1 and names the figure', async () => {
    const r = await drill(['report', 'compare', base, saved('worse.ndjson', 6), '--max-regression', '20%']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^REGRESSED downtime \(simple\): 4\.005 s -> 6\.005 s, \+50% \(limit \+20%\)$/m);
    const looser = await drill(['report', 'compare', base, file('worse.ndjson'), '--max-regression', '60%']);
    assert.equal(looser.code, 0);
  });

  it('mismatched or unreadable files exit 2 with one line', async () => {
    const other = await drill(['report', 'compare', base, saved('aware.ndjson', 4, 'aware')]);
    assert.equal(other.code, 2);
    assert.equal(other.stderr.trim().split('\n').length, 1);
    assert.match(other.stderr, /^drill: BASE and NEW watched different monitors \(simple vs aware\)/);

    const missing = await drill(['report', 'compare', base, file('nope.json')]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `drill: cannot read ${file('nope.json')} (ENOENT)\n`);

    writeFileSync(file('garbage.txt'), 'not a drill\n');
    const garbage = await drill(['report', 'compare', file('garbage.txt'), base]);
    assert.equal(garbage.code, 2);
    assert.equal(garbage.stderr.trim().split('\n').length, 1);
    assert.match(garbage.stderr, /garbage\.txt is neither a drill JSON report nor a history/);
  });

  it('drill report refuses a report file it cannot write before rendering anything (exit 2)', async () => {
    const r = await drill(['report', base, '--junit', join(dir, 'no-such-folder', 'j.xml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^drill: --junit .*no-such-folder.*does not exist or is not writable\n$/);
    assert.equal(r.stdout, '');
  });
});

describe('drill report of long drills', () => {
  /** The figures of a failover, whatever the length of the quiet part before it. */
  const failoverFigures = (json: string) => {
    const run = JSON.parse(json).runs[0];
    const { downtimeMs, outages, recovered } = run.monitors[0];
    const { recoveredMs, longestGapMs, before, after, errors, failed } = run.load;
    // Outages as lengths: their times move with the quiet part.
    const lengths = outages.map((o: { lengthMs: number; badProbes: number }) => [o.lengthMs, o.badProbes]);
    return {
      passed: run.passed,
      downtimeMs,
      lengths,
      recovered,
      recoveredMs,
      longestGapMs,
      before,
      after,
      errors,
      failed,
    };
  };

  it('a 150 MB history is reported with a 64 MB heap, with the figures of a small one', {
    timeout: 180_000,
  }, async () => {
    const small = file('small.ndjson');
    const big = file('big.ndjson');
    writeLongHistory(small, 60);
    try {
      // 136000 s (38 h) of probes every 250 ms and load windows every second: about 150 MB.
      writeLongHistory(big, 136_000);
      assert.ok(statSync(big).size > 140e6, `${statSync(big).size} bytes`);
      const env = { NODE_OPTIONS: '--max-old-space-size=64' };
      const [a, b] = [
        await drill(['report', small, '--json', '--no-step-summary'], env),
        await drill(['report', big, '--json', '--no-step-summary'], env, 150_000),
      ];
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const figures = failoverFigures(b.stdout);
      assert.deepEqual(figures, failoverFigures(a.stdout));
      assert.equal(figures.downtimeMs, 10_005);
      assert.equal(figures.recoveredMs, 10_500);
      const timeline = JSON.parse(b.stdout).runs[0].load.timeline;
      assert.ok(timeline.length <= 3600, `${timeline.length} points`);
    } finally {
      rmSync(big, { force: true });
    }
  });

  it('a --json of several hundred KB piped to a slow reader arrives whole', { timeout: 60_000 }, async () => {
    const history = file('hour.ndjson');
    writeLongHistory(history, 3000);
    const child = spawn(process.execPath, [drillBin, 'report', history, '--json', '--no-step-summary'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    // Takes 64 KB at most every 100 ms: the drill has long finished its work before the reader has its output.
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        setTimeout(done, 100);
      },
    });
    child.stdout.pipe(slow);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise((resolve) => slow.end(resolve));
    const out = Buffer.concat(chunks).toString('utf8');
    assert.equal(code, 0);
    assert.ok(out.length > 256 * 1024, `${out.length} bytes`);
    const report = JSON.parse(out);
    assert.equal(report.runs[0].load.timeline.length, 3041);
  });
});
