// The report of a run with outages in headless Chromium with the network blocked: the charts of
// devices connected draw with their outages as red bands (pixels only those bands have), the
// Connections section shows the devices still down, and nothing goes wrong in the page. The
// result is built by hand (test/helpers/outages.ts); a real run's report is checked in
// report-browser.test.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html.ts';
import { outageResult } from '../helpers/outages.ts';
import { TMP_DIR } from '../helpers/scenario.ts';

const CHROMIUM = '/usr/bin/chromium';

/** The little of the DOM the page functions use (the project's tsconfig has no DOM library). */
interface PageGlobals {
  document: {
    documentElement: { hasAttribute(name: string): boolean };
    getElementById(id: string): { querySelector(selector: string): PageCanvas | null } | null;
  };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

describe('the HTML report of a run with outages, in a browser', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the outages over the devices connected, offline and without errors', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the report's browser test needs it (Debian: apt-get install chromium)`,
      );
    const dir = join(TMP_DIR, `report-outages-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(outageResult()));

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
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.documentElement.hasAttribute('data-charts'),
      undefined,
      { timeout: 60_000 },
    );
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);

    // Pixels of the outage red as seen over the white page (the canvas is transparent where
    // nothing is drawn): no phase band or series colour is this pink.
    const pink = (id: string) =>
      page.evaluate((chartId) => {
        const canvas = (globalThis as unknown as PageGlobals).document.getElementById(chartId)?.querySelector('canvas');
        if (!canvas) return -1;
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) {
          const a = (px[i + 3] as number) / 255;
          const [r, g, b] = [0, 1, 2].map((k) => (px[i + k] as number) * a + 255 * (1 - a)) as [number, number, number];
          if (r > 200 && r - g > 25 && r - b > 25 && Math.abs(g - b) < 20) n++;
        }
        return n;
      }, id);
    // For a look by eye: the charts of the Over time section, in the test's scratch folder.
    await page.locator('#over-time').screenshot({ path: join(dir, 'over-time.png') });
    // The loss band covers the plot's height for one second of ten: thousands of pixels (the
    // lighter band of devices down is too pale to count this way). The all-fleets chart of
    // devices connected has no marks, only a red series line's anti-aliased edges.
    const marked = await pink('chart-t-out0');
    const unmarked = await pink('chart-t-conn');
    expect(marked).toBeGreaterThan(5000);
    expect(unmarked).toBeLessThan(marked / 5);

    expect(await page.getAttribute('#connections tr[data-group="gps"]', 'data-unrecovered')).toBe('1');
    expect(await page.textContent('#connections')).toContain('12 (reset 10, injected_kill 2)');
    expect(await page.textContent('#over-time .phases [data-outage="loss"]')).toBe('connections lost in that second');
  }, 120_000);
});
