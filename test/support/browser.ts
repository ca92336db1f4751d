import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it when missing). */
export const chromiumPath = '/usr/bin/chromium';

/** Screenshots and other files a person may want to look at after a run; ignored by git. */
export const artifactsDir = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export interface PageVisit {
  /** Every request the page made (the file itself included). */
  requests: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/**
 * Opens a local file in headless Chromium with a fresh profile and nothing in the background that could reach the
 * network on its own, records what the page requested and what it logged as an error, and hands the page to
 * `inspect`. Bounded in time; the browser is closed and the profile removed even when `inspect` throws.
 */
export async function visitInChromium(
  file: string,
  inspect: (page: Page, visit: PageVisit) => Promise<void>,
): Promise<PageVisit> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'drill-chromium-'));
  const visit: PageVisit = { requests: [], errors: [] };
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    context.on('request', (r) => visit.requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') visit.errors.push(m.text());
    });
    page.on('pageerror', (e) => visit.errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await inspect(page, visit);
    return visit;
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Where a test's screenshot goes (the folder is made if needed). */
export function artifactPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, name);
}
