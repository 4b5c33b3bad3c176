import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../testing/until.js';
import type { Page } from 'playwright-core';
import { runCim, startCimUp } from '../testing/cli.js';
import type { CimUp } from '../testing/cli.js';
import { accessibilityProblems, startTestBrowser } from '../testing/browser.js';
import type { TestBrowser } from '../testing/browser.js';

const PIPELINE = new URL('../../../examples/pipelines/documents.yaml', import.meta.url).pathname;
const PHRASE = 'marmalade semaphore';
/** Names a careless page would turn into markup; each must show as the text it is. */
const HOSTILE_NAMES = [
  '<img src=x onerror=alert(1)>.txt',
  '"><script>alert(2)</script><b onmouseover=alert(3)>.txt',
] as const;
const HOSTILE_TAG = '<svg onload=alert(4)>';
/** A pause reason is free text people write: the audit view shows it in the change's summary. */
const HOSTILE_REASON = '<img src=x onerror=alert(5)> disk full';

let root: string;
let node: CimUp;
let browser: TestBrowser;
let url: string;
const units = new Map<string, string>();
const dialogs: string[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'cim-names-'));
  node = await startCimUp(['--data', join(root, 'node')]);
  url = node.ready.ui;
  const applied = await runCim(['pipeline', 'apply', PIPELINE, '--url', url]);
  assert.equal(applied.code, 0, applied.stderr);
  for (const name of HOSTILE_NAMES) {
    const query = `name=${encodeURIComponent(name)}&tag=${encodeURIComponent(HOSTILE_TAG)}`;
    const response = await fetch(`${url}/api/units?${query}&wait=10000`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: `The ${PHRASE} is named ${name}.\n`,
    });
    assert.equal(response.status, 201, await response.clone().text());
    units.set(name, ((await response.json()) as { unitCid: string }).unitCid);
  }
  browser = await startTestBrowser();
});

after(async () => {
  await browser?.close();
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A page that records every dialog (an `alert` that ran) instead of blocking on it. */
async function watchedPage(): Promise<Page> {
  const page = await browser.page();
  page.on('dialog', (dialog) => {
    dialogs.push(`${page.url()}: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return page;
}

/** Nothing the names or tag carry became an element, a handler or a script on the page. */
async function assertNoMarkupFromNames(page: Page, where: string): Promise<void> {
  const injected = (await page.evaluate(`(() => {
    const found = [];
    for (const el of document.querySelectorAll('img[src="x"], svg[onload], b[onmouseover]'))
      found.push(el.outerHTML);
    for (const el of document.querySelectorAll('script'))
      if (el.textContent.includes('alert(')) found.push(el.outerHTML);
    for (const el of document.querySelectorAll('*'))
      for (const attr of el.getAttributeNames())
        if (attr.startsWith('on')) found.push(el.tagName + ' ' + attr);
    return found;
  })()`)) as string[];
  assert.deepEqual(injected, [], `no markup from a name on ${where}`);
}

/** The text of every element matching `selector`, as the page shows it. */
async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}

test('hostile unit names and tags show as text on every page that shows names, and run nothing', async () => {
  const page = await watchedPage();

  await page.goto(`${url}/units`);
  const listed = await until('both units in the list', async () => {
    const shown = await texts(page, 'table.units td.name a');
    return HOSTILE_NAMES.every((n) => shown.includes(n)) ? shown : undefined;
  });
  assert.ok(listed.length >= 2, listed.join(', '));
  for (const name of HOSTILE_NAMES) {
    assert.ok(await page.getByText(name, { exact: true }).first().isVisible(), `${name} visible`);
  }
  assert.ok((await texts(page, 'table.units .chip')).includes(HOSTILE_TAG), 'the tag as text');
  await assertNoMarkupFromNames(page, 'the units list');

  for (const [name, cid] of units) {
    await page.goto(`${url}/units/${cid}`);
    await page.locator('h1', { hasText: name }).waitFor();
    assert.equal(await page.locator('h1').textContent(), name, 'the heading is the name');
    assert.ok((await texts(page, '.unit-head .chip')).includes(HOSTILE_TAG), 'the tag as text');
    // The pipeline derives `<name>.txt`: the graph shows both, named in their tooltips.
    const derived = page.locator('[data-testid=lineage-graph] .node.descendant');
    await until('the derived unit in the lineage graph', async () =>
      (await derived.count()) > 0 ? true : undefined,
    );
    const titles = await texts(page, '[data-testid=lineage-graph] .node title');
    assert.ok(
      titles.some((t) => t.startsWith(`${name}\n`)) &&
        titles.some((t) => t.startsWith(`${name}.txt\n`)),
      `both nodes named as text: ${JSON.stringify(titles)}`,
    );
    await assertNoMarkupFromNames(page, `the unit page of ${name}`);
  }

  await page.goto(`${url}/search?q=${encodeURIComponent(`"${PHRASE}"`)}`);
  const hits = await until('search hits for both units', async () => {
    const shown = await texts(page, '.hit-title');
    return HOSTILE_NAMES.every((n) => shown.some((t) => t.includes(n))) ? shown : undefined;
  });
  assert.ok(hits.length >= 2, hits.join(', '));
  await assertNoMarkupFromNames(page, 'the search results');

  for (const [path, ready] of [
    ['/events', 'li.event[data-type=UnitIngested]'],
    ['/', 'li.event'],
    ['/pipelines', 'article.pipeline'],
  ] as const) {
    await page.goto(`${url}${path}`);
    await page.locator(ready).first().waitFor();
    await assertNoMarkupFromNames(page, path);
  }

  assert.deepEqual(dialogs, [], 'no dialog opened');
  assert.deepEqual(browser.problems, [], 'no console error (a blocked inline script reports one)');
});

test('the Audit view shows changes with their actor, filters by type and actor, and shows free text as text', async () => {
  // After the first test: a paused pipeline would have left the derived units unmade.
  const paused = await fetch(`${url}/api/pipelines/documents/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: HOSTILE_REASON }),
  });
  assert.equal(paused.status, 200, await paused.clone().text());

  const page = await watchedPage();
  await page.goto(url);
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: 'Audit' })
    .click();
  await page.waitForURL(/\/audit$/);
  const rows = page.locator('table.audit tbody tr');
  await until('the pause and the definition in the trail', async () =>
    (await rows.count()) >= 2 ? true : undefined,
  );
  assert.deepEqual(
    await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type'))),
    ['PipelinePaused', 'PipelineApplied'],
    'newest first',
  );
  const summary = `paused pipeline documents: ${HOSTILE_REASON}`;
  assert.equal(await rows.first().locator('td.summary').textContent(), summary);
  assert.ok(await page.getByText(summary, { exact: true }).isVisible(), 'the reason as text');
  await assertNoMarkupFromNames(page, '/audit');
  assert.deepEqual(await accessibilityProblems(page), [], 'no serious WCAG 2 A/AA problem');

  await page.getByLabel('Type').selectOption('PipelineApplied');
  await page.waitForURL(/type=PipelineApplied/);
  await until('only the definition to be listed', async () => {
    const types = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    return types.join() === 'PipelineApplied' ? true : undefined;
  });
  await page.getByLabel('Type').selectOption('');

  const actor = (await rows.first().locator('td.actor').textContent()) ?? '';
  await page.getByLabel('Actor').fill('nobody:at-all');
  await page.getByText('No change matches.').waitFor();
  await page.getByLabel('Actor').fill(actor);
  await page.waitForURL(new RegExp(`actor=${encodeURIComponent(actor)}`));
  await until('the changes of that actor', async () => {
    const actors = await rows.locator('td.actor').allTextContents();
    return actors.length >= 2 && actors.every((a) => a === actor) ? true : undefined;
  });

  assert.deepEqual(dialogs, [], 'no dialog opened');
  assert.deepEqual(browser.problems, [], 'no console error');
});
