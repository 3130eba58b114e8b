/**
 * The pages people read, in a real browser: Debian's headless Chromium driven by playwright-core
 * (never a downloaded browser). `zkcheck serve` over a temp store holding the two stored fixture
 * runs (with their report.html) and a run still being written; every request the browser makes
 * is observed, and any that is not for 127.0.0.1 is aborted and fails the test. A report.html is
 * also opened straight from disk with the network off.
 *
 * Screenshots go to a temp dir, printed at the end and attached to each test (vitest annotations).
 * Outside CI the file skips when /usr/bin/chromium is missing (`npm run setup` installs it); under
 * CI=true it runs.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { storeFixtureRun, tempDir } from '../results/ci-testing.js';
import { writeRunReport } from '../results/report.js';
import { startServe, type Serving } from '../results/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const runIt = existsSync(CHROMIUM) || process.env.CI === 'true';

const LEADER = 'leader/20261205T130348.071Z';
const PAUSE = 'pause/20261205T131000.000Z';
const RUNNING = 'growing/20261205T140000.000Z';

let store: string;
let shots: string;
let profile: string;
let serving: Serving;
let context: BrowserContext;
/** Every URL the browser asked for, and those that were not for this machine. */
const requested: string[] = [];
const outside: string[] = [];
const consoleErrors: string[] = [];

function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'about:' || parsed.protocol === 'blob:') return true;
  if (parsed.protocol === 'file:') return true;
  return parsed.hostname === '127.0.0.1';
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

async function screenshot(page: Page, name: string, ctx: TestContext): Promise<void> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await ctx.annotate(`screenshot: ${path}`, 'screenshot', { path, contentType: 'image/png' });
}

describe.runIf(runIt)('pages in headless Chromium', () => {
  beforeAll(async () => {
    store = tempDir('browser-store');
    shots = tempDir('browser-shots');
    profile = tempDir('browser-profile');
    const leader = storeFixtureRun(store, 'run-partition-leader', {
      testName: 'leader',
      timestamp: '20261205T130348.071Z',
    });
    const pause = storeFixtureRun(store, 'run-partition-pause', {
      testName: 'pause',
      timestamp: '20261205T131000.000Z',
    });
    const running = storeFixtureRun(
      store,
      'run-partition-pause',
      { testName: 'growing', timestamp: '20261205T140000.000Z' },
      {
        test: (t) => {
          t.status = 'running';
          t.name = 'growing';
          delete t.endedAt;
        },
      },
    );
    rmSync(join(running, 'results.json'));
    await Promise.all([writeRunReport(leader), writeRunReport(pause)]);
    serving = await startServe({ store, port: 0 });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      viewport: { width: 1200, height: 900 },
    });
    context.on('request', (request) => requested.push(request.url()));
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      outside.push(url);
      return route.abort('blockedbyclient');
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await serving?.close();
    rmSync(store, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
    console.log(`browser test screenshots: ${shots}`);
  });

  it('lists the stored runs with their verdicts, newest first, the running one as running', async (ctx) => {
    const page = await newPage();
    await page.goto(serving.url);
    const rows = page.locator('tr.run');
    await expect.poll(() => rows.count()).toBe(3);
    const seen = await rows.evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-run'), tr.querySelector('.verdict')?.textContent]),
    );
    expect(seen).toEqual([
      [RUNNING, 'running'],
      [PAUSE, 'valid'],
      [LEADER, 'valid'],
    ]);
    expect(await page.locator(`tr[data-run="${LEADER}"]`).innerText()).toContain('partition-leader');
    await screenshot(page, 'runs', ctx);
    await page.close();
  });

  it('narrows the list with a filter', async (ctx) => {
    const page = await newPage();
    await page.goto(serving.url);
    // Choosing a value submits the form (the page's script); the server filters.
    await Promise.all([
      page.waitForURL(/nemesis=partition-leader/),
      page.selectOption('select[name="nemesis"]', 'partition-leader'),
    ]);
    const ids = await page
      .locator('tr.run')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')));
    expect(ids).toEqual([LEADER]);
    await Promise.all([page.waitForURL(/verdict=running/), page.goto(`${serving.url}?verdict=running`)]);
    expect(await page.locator('tr.run').count()).toBe(1);
    await screenshot(page, 'runs-filtered', ctx);
    await page.close();
  });

  it('opens a run’s report: charts and a counterexample show', async (ctx) => {
    const page = await newPage();
    await page.goto(serving.url);
    await Promise.all([
      page.waitForURL(/report\.html$/),
      page.locator(`tr[data-run="${LEADER}"] a.report`).click(),
    ]);
    await expectReportShown(page);
    await screenshot(page, 'report-served', ctx);
    await page.close();
  });

  it('compares two runs side by side', async (ctx) => {
    const page = await newPage();
    await page.goto(serving.url);
    await page.locator(`tr[data-run="${LEADER}"] input[type="checkbox"]`).check();
    await page.locator(`tr[data-run="${PAUSE}"] input[type="checkbox"]`).check();
    await Promise.all([
      page.waitForURL(/\/compare\?/),
      page.getByRole('button', { name: 'compare ticked runs' }).click(),
    ]);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Compare 2 runs');
    const heads = await page.locator('table.compare thead th').allInnerTexts();
    expect(heads).toHaveLength(3);
    // In the list's order: newest first.
    expect(heads[1]).toContain('n-part-pause');
    expect(heads[2]).toContain('r-partition-leader');
    expect(await page.locator('tr.claim').count()).toBe(5);
    const charts = page.locator('section.chart svg');
    expect(await charts.count()).toBe(2);
    for (const chart of await charts.all()) expect((await chart.boundingBox())!.height).toBeGreaterThan(100);
    await screenshot(page, 'compare', ctx);
    await page.close();
  }, 60_000);

  it('opens a report.html from disk with the network off and shows everything', async (ctx) => {
    await context.setOffline(true);
    const before = requested.length;
    const page = await newPage();
    try {
      await page.goto(`file://${join(store, PAUSE, 'report.html')}`);
      await expectReportShown(page);
      // The only request is the file itself: styles, script, charts and evidence are inside it.
      expect(requested.slice(before).filter((url) => !url.startsWith('data:'))).toEqual([
        `file://${join(store, PAUSE, 'report.html')}`,
      ]);
      await screenshot(page, 'report-offline', ctx);
    } finally {
      await page.close();
      await context.setOffline(false);
    }
  });

  it('made no request that left 127.0.0.1, and no page logged an error', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

/** The report's charts are drawn (three SVGs with a size) and the broken claim's evidence shows. */
async function expectReportShown(page: Page): Promise<void> {
  const charts = page.locator('figure.chart svg');
  await expect.poll(() => charts.count()).toBe(3);
  for (const chart of await charts.all()) {
    expect(await chart.isVisible()).toBe(true);
    expect((await chart.boundingBox())!.height).toBeGreaterThan(100);
  }
  expect(await page.locator('#claims').isVisible()).toBe(true);
  const evidence = page.locator('section.evidence#claim-linearizable');
  expect(await evidence.locator('pre.explanation').innerText()).toContain('no order allows it');
  const frame = evidence.locator('iframe.counterexample');
  expect((await frame.boundingBox())!.height).toBeGreaterThan(150);
  const counterexample = frame.contentFrame();
  await expect.poll(() => counterexample.locator('svg').count()).toBeGreaterThan(0);
  expect((await counterexample.locator('body').innerText()).length).toBeGreaterThan(20);
}
