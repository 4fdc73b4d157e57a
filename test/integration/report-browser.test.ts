// The HTML report of a real run, opened in headless Chromium with the network blocked: it loads
// from file:// without a single request elsewhere and without console errors, uPlot draws every
// chart, the verdict and each threshold row match the result, and every section is there. The
// result is rebuilt into HTML through the real `fleetbench report` command. A full-page
// screenshot is taken into the test's scratch folder; FB_UPDATE_SCREENSHOT=1 writes it to
// reports/report-screenshot.png instead (the README's picture), so a test run leaves the
// worktree as it found it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { formatUs } from '../../src/base/format.ts';
import { run } from '../../src/index.ts';
import { SECTIONS } from '../../src/report/markup.ts';
import type { RunResult, ThresholdOutcome } from '../../src/result/types.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../..', import.meta.url).pathname;
const SCREENSHOT =
  process.env.FB_UPDATE_SCREENSHOT === '1'
    ? join(ROOT, 'reports', 'report-screenshot.png')
    : join(TMP_DIR, `report-screenshot-${process.pid}.png`);

/** The little of the DOM the page functions use (the project's tsconfig has no DOM library). */
interface PageGlobals {
  document: {
    documentElement: { hasAttribute(name: string): boolean };
    querySelectorAll(selector: string): Iterable<{ id: string; querySelector(selector: string): PageCanvas | null }>;
  };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

describe('the HTML report in a browser', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('loads offline from file://, draws every chart with uPlot, and shows the verdict the result holds', async () => {
    // A browser test that silently skips proves nothing: fail loudly instead.
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the report's browser test needs it (Debian: apt-get install chromium)`,
      );

    // A real run: MQTT and CoAP battery sensors (same count and schedule, so the report compares
    // them) against the embedded broker and CoAP server, with an MQTT observer.
    const scenario = writeScenario(
      'report-browser',
      `export default defineScenario({
        name: 'report-browser', duration: '3s', drain: '500ms',
        fleets: {
          temp: { count: 4, protocol: mqtt({ qos: 1 }), topic: 'rb/{run}/{id}', send: every('100ms'), payload: bytes(24), power: { radio: 'cc2538-802154' } },
          soil: { count: 4, protocol: coap({ type: 'NON', method: 'POST' }), path: '/soil/{id}', send: every('100ms'), payload: bytes(24), power: { radio: 'cc2538-802154' } },
        },
        observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['temp'] } },
      });`,
    );
    const outcome = await run({
      scenario,
      workers: 2,
      reportsDir: join(TMP_DIR, 'reports'),
      onWarning: () => undefined,
    });
    const resultPath = outcome.resultPath as string;
    expect(resultPath).toMatch(/results\.json$/);
    const result = JSON.parse(readFileSync(resultPath, 'utf8')) as RunResult;
    const e2e = result.delivery.find((d) => d.from === 'temp' && d.to === 'backend');
    const ack = result.fleets.soil?.latency.ack?.corrected;
    expect(e2e?.unique).toBeGreaterThan(0);
    expect(ack?.count).toBeGreaterThan(0);

    // The threshold engine is written elsewhere: outcomes built by hand from this run's figures,
    // one that held and one that cannot.
    const thresholds: ThresholdOutcome[] = [
      {
        key: 'temp.e2e_latency',
        expression: 'p(99) < 5s',
        group: 'temp',
        metric: 'e2e_latency',
        passed: true,
        actual: e2e?.latency.corrected.p99 ?? null,
        actualText: formatUs(e2e?.latency.corrected.p99 ?? NaN),
        limitText: '5.00s',
        abortOnFail: false,
        message: '',
      },
      {
        key: 'soil.ack_latency',
        expression: 'p(50) < 10µs',
        group: 'soil',
        metric: 'ack_latency',
        passed: false,
        actual: ack?.p50 ?? null,
        actualText: formatUs(ack?.p50 ?? NaN),
        limitText: '10µs',
        abortOnFail: false,
        message: `p(50) was ${formatUs(ack?.p50 ?? NaN)}, not under 10µs`,
      },
    ];
    writeFileSync(resultPath, JSON.stringify({ ...result, thresholds }, null, 2));

    // Rebuilt through the real CLI: report.html lands next to results.json.
    const cli = await runCli(['report', resultPath]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const reportPath = join(dirname(resultPath), 'report.html');
    expect(cli.stdout).toContain(`report: ${reportPath}`);
    const html = readFileSync(reportPath, 'utf8');
    const charts = (
      JSON.parse(/id="fleetbench-data">([\s\S]*?)<\/script>/.exec(html)?.[1] as string) as { charts: { id: string }[] }
    ).charts;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const requests: string[] = [];
    await context.route('**/*', (r) => (r.request().url().startsWith('file:') ? r.continue() : r.abort()));
    await context.setOffline(true);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(reportPath).href, { waitUntil: 'load' });
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.documentElement.hasAttribute('data-charts'),
      undefined,
      // A generous bound: the page draws in well under a second, a busy machine may take several.
      { timeout: 60_000 },
    );

    // The page asked for nothing but itself, and nothing went wrong in it.
    expect(requests).toEqual([pathToFileURL(reportPath).href]);
    expect(problems).toEqual([]);

    // uPlot drew every chart: each container holds a canvas with axes, grid and coloured series lines.
    const drawn = await page.evaluate(() =>
      [...(globalThis as unknown as PageGlobals).document.querySelectorAll('.chart')].map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.id, width: 0, painted: 0, coloured: 0 };
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        let coloured = 0;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i] as number, px[i + 1] as number, px[i + 2] as number, px[i + 3] as number];
          if (a < 40 || (r > 245 && g > 245 && b > 245)) continue; // transparent or white background
          painted++;
          // Series strokes are saturated; axes, grid and the phase bands are grey or pale.
          if (a > 150 && Math.max(r, g, b) - Math.min(r, g, b) > 90) coloured++;
        }
        return { id: el.id, width: canvas.width, painted, coloured };
      }),
    );
    expect(drawn.map((d) => d.id).sort()).toEqual(charts.map((c) => `chart-${c.id}`).sort());
    expect(drawn.length).toBeGreaterThanOrEqual(8);
    for (const d of drawn) {
      expect(d.width, d.id).toBeGreaterThan(280);
      expect(d.painted, `${d.id}: painted pixels`).toBeGreaterThan(1000);
      expect(d.coloured, `${d.id}: series pixels`).toBeGreaterThan(40);
    }
    expect(await page.getAttribute('html', 'data-charts')).toBe(String(charts.length));

    // The verdict and every threshold row say what the result says.
    const verdict = thresholds.some((t) => !t.passed) ? 'fail' : 'pass';
    expect(await page.getAttribute('#verdict', 'data-verdict')).toBe(verdict);
    expect(await page.textContent('#verdict .badge')).toBe('FAIL');
    const rows = await page.$$eval('tr.threshold', (trs) =>
      trs.map((tr) => ({
        key: tr.getAttribute('data-key'),
        passed: tr.getAttribute('data-passed'),
        text: tr.textContent ?? '',
      })),
    );
    expect(rows.map((r) => [r.key, r.passed])).toEqual(thresholds.map((t) => [t.key, String(t.passed)]));
    for (const [i, t] of thresholds.entries()) {
      expect(rows[i]?.text).toContain(t.actualText);
      expect(rows[i]?.text).toContain(t.limitText);
    }

    // Every section, in order (Power first after the verdict); the two sensor fleets ranked by battery life.
    expect(await page.$$eval('section > h2', (hs) => hs.map((h) => h.textContent))).toEqual(
      SECTIONS.map(([, title]) => title),
    );
    expect(
      await page.$$eval('#power tr[data-rank]', (trs) => trs.map((tr) => tr.getAttribute('data-fleet')).sort()),
    ).toEqual(['soil', 'temp']);
    // The battery-life chart is inline SVG the browser lays out: one bar per fleet, with a width.
    const bars = await page.$$eval('#power svg rect', (rs) => rs.map((r) => r.getBoundingClientRect().width));
    expect(bars).toHaveLength(2);
    for (const w of bars) expect(w).toBeGreaterThan(0);
    expect(
      await page.$$eval('#delivery tr[data-pair]', (trs) => trs.map((tr) => tr.getAttribute('data-pair'))),
    ).toEqual(expect.arrayContaining(['temp>backend', 'soil>coap-server']));
    expect(await page.textContent('#run')).toContain(result.scenario.hash);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
