import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { runCim, startCimUp } from '../src/testing/cli.js';
import { startTestBrowser } from '../src/testing/browser.js';
import type { Figure } from './harness.js';
import { figure, note, startBenchNats } from './harness.js';

const UNITS = 100_000;
/** Loads of each page measured; the figure is their median. */
const LOADS = 15;
const WORDS = ['harbour', 'lantern', 'ledger', 'tide', 'rope', 'anchor', 'quay', 'sail', 'mast'];

/** Short notes with a serial word in each, so every file is new content and searchable. */
function noteText(i: number): string {
  const words = Array.from({ length: 40 }, (_, k) => WORDS[(i * 7 + k * 5) % WORDS.length]!);
  return `Note ${i}: ${words.join(' ')} serial${i}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds from navigation to `ready` being visible, median of LOADS loads. */
async function pageLoad(page: Page, url: string, ready: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(url);
    await page.locator(ready).first().waitFor({ timeout: 30_000 });
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Milliseconds of the API request behind a page, from this process, median of LOADS. */
async function apiLoad(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * The `ui` suite: with 100,000 units ingested, how long the units list, a search and the
 * overview take to show in Debian's Chromium (navigation to the rows or results on screen),
 * against the bare API request each page makes. The target: list and search under a
 * second.
 */
export async function uiSuite(): Promise<{ figures: Figure[]; serverVersion: string }> {
  const nats = await startBenchNats();
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-ui-'));
  const node = await startCimUp(['--nats', nats.url, '--data', join(dir, 'data')]);
  const browser = await startTestBrowser();
  try {
    const url = node.ready.ui;
    const files = join(dir, 'notes');
    mkdirSync(files);
    note(`ui: writing and ingesting ${UNITS.toLocaleString('en')} notes`);
    for (let i = 0; i < UNITS; i++) writeFileSync(join(files, `note-${i}.txt`), noteText(i));
    const ingested = await runCim(['ingest', files, '--concurrency', '16', '--url', url]);
    if (ingested.code !== 0) throw new Error(`ingest failed: ${ingested.stderr.slice(-500)}`);
    const stats = (await (await fetch(`${url}/api/catalog/stats`)).json()) as { units: number };
    if (stats.units < UNITS) throw new Error(`the catalog holds ${stats.units} units`);

    const page = await browser.page();
    note('ui: loading the pages');
    const rare = `serial${UNITS / 2}`;
    const figures = [
      figure(
        'ui-units',
        'ms',
        await pageLoad(page, `${url}/units`, 'table.units tbody tr:nth-child(50)'),
        'GET /api/units?limit=50',
        await apiLoad(`${url}/api/units?limit=50`),
      ),
      figure(
        'ui-search',
        'ms',
        await pageLoad(page, `${url}/search?q=${rare}`, '.hit mark'),
        `GET /api/search?q=${rare}`,
        await apiLoad(`${url}/api/search?q=${rare}&limit=50`),
      ),
      figure(
        'ui-search-common',
        'ms',
        await pageLoad(page, `${url}/search?q=harbour+lantern`, '.hit:nth-child(50) mark'),
        'GET /api/search?q=harbour+lantern',
        await apiLoad(`${url}/api/search?q=harbour+lantern&limit=50`),
      ),
      figure(
        'ui-overview',
        'ms',
        await pageLoad(page, url, '.card-value:text-matches("\\\\d{3},\\\\d{3}")'),
        'GET /api/catalog/stats',
        await apiLoad(`${url}/api/catalog/stats`),
      ),
    ];
    if (browser.problems.length > 0)
      throw new Error(`the pages logged: ${browser.problems.join('; ')}`);
    return { figures, serverVersion: nats.serverVersion };
  } finally {
    await browser.close();
    await node.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
