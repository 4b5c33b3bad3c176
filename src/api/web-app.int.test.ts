import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../testing/until.js';
import type { Page } from 'playwright-core';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { accessibilityProblems, screenshot, startTestBrowser } from '../testing/browser.js';
import type { TestBrowser } from '../testing/browser.js';
import { FRAGILE_PLUGIN } from '../testing/fragile-plugin.js';

const PIPELINE = new URL('../../../examples/pipelines/documents.yaml', import.meta.url).pathname;
const PHRASE = 'quartz harbour lantern';

let root: string;
let node: CimUp;
let browser: TestBrowser;
let url: string;
/** Accessibility problems of each page, checked where its screenshot is taken. */
const inaccessible: string[] = [];

/** A screenshot of the page as it is, and its accessibility check. */
async function capture(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  inaccessible.push(...(await accessibilityProblems(page)));
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-web-'));
  writeFileSync(join(root, 'fragile.mjs'), FRAGILE_PLUGIN);
  const config = join(root, 'cim.json');
  writeFileSync(config, JSON.stringify({ plugins: [join(root, 'fragile.mjs')] }));
  node = await startCimUp(['--data', join(root, 'node'), '--config', config]);
  url = node.ready.ui;
  const applied = await runCim(['pipeline', 'apply', PIPELINE, '--url', url]);
  assert.equal(applied.code, 0, applied.stderr);
  browser = await startTestBrowser();
});

after(async () => {
  await browser?.close();
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** True when the page is no wider than its viewport (nothing to scroll sideways). */
async function fitsWidth(page: Page): Promise<boolean> {
  return (await page.evaluate(
    'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
  )) as boolean;
}

test('upload three files in the page, see them processed, find one by a phrase, open it and its lineage; the timeline shows the ingest live', async () => {
  // The timeline opens before anything is uploaded, so what it shows later arrived live.
  const timeline = await browser.page();
  await timeline.goto(`${url}/events`);
  await timeline.locator('.badge.live').waitFor();

  const page = await browser.page();
  await page.goto(`${url}/units`);
  await page.getByText('No units yet.').waitFor();
  const files = [
    ['harbour-notes.md', `# Harbour notes\n\nThe ${PHRASE} was lit at dusk. Agenda: minutes.\n`],
    ['ledger.csv', 'item,amount\nrope,12\nlantern oil,4\n'],
    ['tides.txt', 'Plain words about tides and ropes.\n'],
  ] as const;
  for (const [name, text] of files) writeFileSync(join(root, name), text);
  await page.getByLabel('Tags to add').fill('voyage, logbook');
  await page.getByTestId('upload-input').setInputFiles(files.map(([name]) => join(root, name)));
  await page.getByText('3 of 3 files done').waitFor();
  assert.equal(await page.locator('.upload-item.stored').count(), 3, 'each file stored');
  await page
    .locator('table.units')
    .getByRole('link', { name: 'ledger.csv', exact: true })
    .waitFor();
  await capture(page, 'units');

  await page.getByRole('link', { name: 'Pipelines' }).click();
  const completed = page
    .locator('article.pipeline', { has: page.locator('h2', { hasText: 'documents' }) })
    .locator('dl.figures div', { hasText: 'Completed' })
    .locator('dd');
  await until('the pipeline to complete the three units', async () =>
    Number(await completed.textContent()) >= 3 ? true : undefined,
  );
  await capture(page, 'pipelines');

  await page.keyboard.press('/');
  await page.keyboard.type(`"${PHRASE}"`);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\?q=/);
  await page.locator('.hit mark').first().waitFor();
  assert.equal(
    (await page.locator('.hit mark').first().textContent())?.toLowerCase(),
    PHRASE,
    'the matched phrase is highlighted',
  );
  await capture(page, 'search');

  await page
    .locator('.hit-title')
    .getByRole('link', { name: 'harbour-notes.md', exact: true })
    .click();
  await page.waitForURL(/\/units\/bafy/);
  const unitCid = page.url().split('/units/')[1]!;
  await page.locator('.markdown h1', { hasText: 'Harbour notes' }).waitFor();
  const chips = await page.locator('.unit-head .chip').allTextContents();
  assert.ok(
    chips.includes('voyage') && chips.includes('logbook'),
    `tags given at upload: ${chips}`,
  );
  const derived = page.locator('[data-testid=lineage-graph] .node.descendant');
  await derived.first().waitFor();
  await sleep(500); // let the force layout settle for the screenshot
  await capture(page, 'unit');

  // Keyboard: focus the derived unit in the graph and open it with Enter.
  await derived.first().focus();
  await page.keyboard.press('Enter');
  await page.waitForURL((to) => !to.pathname.endsWith(unitCid));
  await page.locator('h1', { hasText: 'harbour-notes.md.txt' }).waitFor();
  await page.locator(`[data-testid=lineage-graph] .node.ancestor[data-cid="${unitCid}"]`).waitFor();

  // Back on the timeline: the upload's events arrived while it was open.
  const ingested = timeline.locator('li.event[data-type=UnitIngested]');
  await until('six UnitIngested events (three uploads, three derived)', async () =>
    (await ingested.count()) >= 6 ? true : undefined,
  );
  const row = timeline.locator('li.event[data-type=UnitIngested]', {
    has: timeline.locator(`a[title="${unitCid}"]`),
  });
  await row.getByRole('button', { name: /chain/ }).click();
  const chain = timeline.locator('ol.chain li.event');
  const types = await until('the causal chain of the upload', async () => {
    const seen = new Set(
      await chain.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type'))),
    );
    return seen.has('StepsCompleted') && seen.has('UnitAnnotated') ? seen : undefined;
  });
  assert.ok(types.has('UnitIngested'), [...types].join(', '));
  await capture(timeline, 'events');

  const overview = await browser.page();
  await overview.goto(url);
  await overview
    .locator('.card', { hasText: 'Units' })
    .locator('.card-value', { hasText: '6' })
    .waitFor();
  await overview.locator('li.event').first().waitFor();
  await capture(overview, 'overview');

  assert.deepEqual(browser.problems, [], 'no console errors or unhandled rejections');
  assert.deepEqual(inaccessible, [], 'no serious WCAG 2 A/AA problem on any page');
});

test('the units list narrows by words and by media type, kept in the URL', async () => {
  const page = await browser.page();
  await page.goto(`${url}/units`);
  await page.getByLabel('Words').fill('tides');
  await page.waitForURL(/q=tides/);
  const names = page.locator('table.units td.name a');
  await until('the list narrowed to the tides notes', async () => {
    const shown = await names.allTextContents();
    return shown.length > 0 && shown.every((n) => n.startsWith('tides.txt')) ? shown : undefined;
  });
  await page.goto(`${url}/units?mediaType=${encodeURIComponent('text/csv')}`);
  await until('the list narrowed to CSV', async () => {
    const shown = await names.allTextContents();
    return shown.join() === 'ledger.csv' ? shown : undefined;
  });
  await page.getByRole('link', { name: 'ledger.csv', exact: true }).click();
  // CSV is previewed as a table.
  await page.locator('table.grid th', { hasText: 'amount' }).waitFor();
  assert.deepEqual(await page.locator('table.grid tbody td').allTextContents(), [
    'rope',
    '12',
    'lantern oil',
    '4',
  ]);
  assert.deepEqual(browser.problems, [], 'no console errors or unhandled rejections');
});

test('a dead letter shows its error, the retry button sends it through again, and pause and resume work from the page', async () => {
  const flag = join(root, 'fixed');
  const definition = join(root, 'fragile.yaml');
  writeFileSync(
    definition,
    [
      'name: fragile',
      'trigger: { events: [UnitIngested], tags: [fragile] }',
      'steps:',
      `  - { id: count, processor: fragile-count, params: { fixedFlag: ${JSON.stringify(flag)} } }`,
      'retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }',
      '',
    ].join('\n'),
  );
  assert.equal((await runCim(['pipeline', 'apply', definition, '--url', url])).code, 0);
  writeFileSync(join(root, 'poison.txt'), 'POISON in the well\n');
  const ingested = await runCim([
    'ingest',
    join(root, 'poison.txt'),
    '--tag',
    'fragile',
    '--url',
    url,
  ]);
  assert.equal(ingested.code, 0, ingested.stderr);

  const page = await browser.page();
  await page.goto(`${url}/pipelines`);
  const card = page.locator('article.pipeline', {
    has: page.locator('h2', { hasText: 'fragile' }),
  });
  await card.locator('td.problem', { hasText: 'poison found in poison.txt' }).waitFor();
  await capture(page, 'pipelines-dead-letter');
  writeFileSync(flag, 'fixed');
  await card.getByRole('button', { name: 'Retry dead letters' }).click();
  await card.getByText('None: every unit went through.').waitFor();

  await card.getByRole('button', { name: 'Pause' }).click();
  await card.locator('h2 .badge', { hasText: 'paused' }).waitFor();
  await card.getByRole('button', { name: 'Resume' }).click();
  await card.locator('h2 .badge', { hasText: 'running' }).waitFor();
  const status = (await (await fetch(`${url}/api/pipelines/fragile/status`)).json()) as {
    state: string;
    deadLetters: unknown[];
  };
  assert.deepEqual([status.state, status.deadLetters.length], ['running', 0]);
  assert.deepEqual(browser.problems, [], 'no console errors or unhandled rejections');
  assert.deepEqual(inaccessible, [], 'no serious WCAG 2 A/AA problem on any page');
});

test("a pipeline card refreshes from the pipeline's live events, not from a timer", async () => {
  const page = await browser.page();
  const asked: number[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/pipelines/fragile/status')) asked.push(Date.now());
  });
  // The page's timers run on a clock the test can hold: its time flows while the page loads, then
  // stands still and moves only as the test says.
  const installed = Date.now();
  await page.clock.install({ time: installed });
  const following = page.waitForRequest(/\/api\/events\/stream\?domain=pipelines/);
  await page.goto(`${url}/pipelines`);
  const card = page.locator('article.pipeline', {
    has: page.locator('h2', { hasText: 'fragile' }),
  });
  const completed = card.locator('dl.figures div', { hasText: 'Completed' }).locator('dd');
  await completed.waitFor();
  await following;
  await until('the card to stop asking', async () =>
    Date.now() - asked[asked.length - 1]! > 1000 ? true : undefined,
  );
  const paused = ((await page.evaluate('Date.now()')) as number) + 500;
  await page.clock.pauseAt(paused);
  const before = Number(await completed.textContent());

  // Without events, the card does not ask (it polled every 2 s before it followed the events).
  const quiet = asked.length;
  for (let i = 0; i < 25; i++) await page.clock.runFor(100);
  assert.equal(asked.length, quiet, 'no request in 2.5 s of page time without events');

  writeFileSync(join(root, 'calm.txt'), 'Nothing but calm water.\n');
  const ingested = await runCim([
    'ingest',
    join(root, 'calm.txt'),
    '--tag',
    'fragile',
    '--url',
    url,
  ]);
  assert.equal(ingested.code, 0, ingested.stderr);
  await until('the node to count the new unit', async () => {
    const status = (await (await fetch(`${url}/api/pipelines/fragile/status`)).json()) as {
      counters: { completed: number };
    };
    return status.counters.completed > before ? true : undefined;
  });
  assert.equal(Number(await completed.textContent()), before, 'nothing moves while time stands');

  let held = 0;
  const after = await until('the card to count the new unit', async () => {
    const shown = Number(await completed.textContent());
    if (shown > before) return shown;
    if (held < 1500) {
      await page.clock.runFor(100);
      held += 100;
    }
    return undefined;
  });
  assert.equal(after, before + 1);
  // The card's fallback poll is due 10 s of page time after it opened; that time never came.
  const pageTime = paused + 2500 + held - installed;
  assert.ok(pageTime < 10_000, `${pageTime} ms of page time passed`);
  assert.deepEqual(browser.problems, [], 'no console errors or unhandled rejections');
});

test('at phone width every main page fits the screen', async () => {
  const page = await browser.page({ width: 390, height: 844 });
  const first = (await (await fetch(`${url}/api/units?limit=1`)).json()) as {
    units: { unitCid: string }[];
  };
  for (const path of [
    '/',
    '/units',
    `/units/${first.units[0]!.unitCid}`,
    '/events',
    '/pipelines',
    '/search?q=lantern',
  ]) {
    await page.goto(`${url}${path}`);
    await page.locator('main h1').first().waitFor();
    await sleep(300);
    assert.ok(await fitsWidth(page), `${path} is wider than a phone`);
    assert.deepEqual(await accessibilityProblems(page), [], `${path} at phone width`);
  }
  await page.goto(`${url}/units`);
  await page.locator('table.units').waitFor();
  await capture(page, 'units-phone');
  assert.deepEqual(browser.problems, [], 'no console errors or unhandled rejections');
});

test('an unknown unit or page is a sentence, not a code', async () => {
  const page = await browser.page();
  await page.goto(`${url}/units/bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /There is no unit bafyrei\w+: check the CID/);
  await page.goto(`${url}/no/such/page`);
  await page.getByText('There is no page at this address.').waitFor();
  // The API keeps answering problem documents under /api.
  const api = await fetch(`${url}/api/nothing`);
  assert.equal(api.status, 404);
  assert.equal(api.headers.get('content-type'), 'application/problem+json; charset=utf-8');
});
