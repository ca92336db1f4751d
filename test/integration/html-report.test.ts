import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { addresses } from '../support/addresses.js';
import { artifactPath, visitInChromium } from '../support/browser.js';
import { drill } from '../support/cli.js';
import { startTestLab, stopTestLab } from '../support/lab.js';

// The lab of this file: instances on 127.0.0.126+ (proxy .125), from test/support/addresses.ts. The --repeat 2
// drill reuses it after the first (each failover moves the writer).
const dir = mkdtempSync(join(tmpdir(), 'drill-html-'));
const stateDir = join(dir, 'lab');
// Shaped to be found if it leaked, and to need escaping if it were printed.
const password = 'pw-html-<&>-s3cret';

before(() => startTestLab(stateDir, addresses.htmlReport.lab.first, ['--password', password]));
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

const failover = (html: string, more: string[] = []) =>
  drill(
    ['aurora', '--lab-state-dir', stateDir, '--mode', 'simple,aware', '--trigger', 'failover', '--at', '2s']
      .concat(['--until-recovered', '--settle', '2s', '--html', html])
      .concat(more),
    {},
    150_000,
  );

describe('--html: the timeline of a lab failover in headless Chromium', () => {
  it('one run: lanes, outage band, trigger mark, probe on hover; no request, no console error', async (t) => {
    const html = join(dir, 'one.html');
    const r = await failover(html);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /add --html FILE/, 'no pointer at --html when it was given');
    const text = readFileSync(html, 'utf8');
    for (const leak of [password, 'pw-html-&lt;&amp;&gt;-s3cret'])
      assert.ok(!text.includes(leak), 'password in the page');

    const shot = artifactPath('html-timeline-one-run.png');
    const visit = await visitInChromium(html, async (page) => {
      assert.equal(await page.locator('svg.timeline').count(), 1);
      assert.deepEqual(
        await page.locator('g.lane').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-monitor'))),
        ['simple', 'aware'],
      );
      assert.ok((await page.locator('g.outage').count()) >= 2, 'an outage band in each lane');
      assert.match((await page.locator('g.outage text').first().textContent()) ?? '', /^\d+(\.\d+)? m?s$/);
      assert.equal(await page.locator('[data-marker="trigger-requested"]').count(), 1);
      assert.equal(await page.locator('[data-marker="writer-down"]').count(), 1);
      assert.match((await page.locator('.verdict').first().textContent()) ?? '', /PASS/);
      // Hovering a failed probe shows what it was.
      await page.locator('rect.probe.failed').first().hover({ force: true });
      const tip = page.locator('#tip');
      await tip.waitFor({ state: 'visible' });
      assert.match(
        (await tip.textContent()) ?? '',
        /error\naddress 127\.0\.0\.12[67]\nlatency [\d.]+ ms\nerror \w+/,
      );
      await page.screenshot({ path: shot, fullPage: true });
    });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(visit.errors, []);
    assert.deepEqual(visit.requests, [pathToFileURL(html).href]);
  });

  it('--repeat 2: a chart a run and the repeat statistics', async (t) => {
    const html = join(dir, 'repeat.html');
    const r = await failover(html, ['--repeat', '2', '--cooldown', '1s']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(!readFileSync(html, 'utf8').includes(password));

    const shot = artifactPath('html-timeline-repeat.png');
    const visit = await visitInChromium(html, async (page) => {
      assert.equal(await page.locator('svg.timeline').count(), 2);
      assert.equal(await page.locator('section.run').count(), 2);
      assert.equal(await page.locator('g.lane').count(), 4);
      assert.ok((await page.locator('g.outage').count()) >= 4);
      assert.equal(await page.locator('[data-marker="trigger-requested"]').count(), 2);
      const table = page.locator('table.repeats');
      assert.equal(await table.getAttribute('data-runs'), '2');
      assert.match((await table.textContent()) ?? '', /run 1.*run 2.*min.*median.*p95.*max/s);
      await page.screenshot({ path: shot, fullPage: true });
    });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(visit.errors, []);
    assert.deepEqual(visit.requests, [pathToFileURL(html).href]);
  });
});
