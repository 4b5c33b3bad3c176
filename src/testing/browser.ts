import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium, which the test set-up installs; browsers are never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags the UI tests run Chromium with (issue 6). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium whose pages report every console error and unhandled failure. */
export interface TestBrowser {
  readonly browser: Browser;
  /** Console errors, uncaught exceptions and unhandled rejections of every page so far. */
  readonly problems: string[];
  /** A new page (own context) at the given viewport, watched for problems. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Debian's Chromium through playwright-core. */
export async function startTestBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (bash scripts/cim-dev.sh test does).`,
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    problems,
    async page(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      // Chromium reports unhandled rejections as console errors too; this makes sure of it.
      await context.addInitScript({
        content:
          "window.addEventListener('unhandledrejection', (e) => console.error('unhandled rejection: ' + String(e.reason)));",
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error')
          problems.push(`${page.url()}: console error: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`${page.url()}: page error: ${error.message}`));
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Where screenshots go: `artifacts/screenshots` (kept by CI), and docs/screenshots when asked. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folders = [join('artifacts', 'screenshots')];
  if (process.env['CIM_UPDATE_SCREENSHOTS'] === '1') folders.push(join('docs', 'screenshots'));
  for (const folder of folders) {
    mkdirSync(folder, { recursive: true });
    await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
  }
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * WCAG 2 A and AA problems axe-core finds on the page as it is now, serious or critical ones
 * only, each as `rule: what (element)`.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: a script tag would be refused by the app's CSP.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'], resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => String(n.target)) })))",
  )) as { id: string; impact: string | null; help: string; targets: string[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${new URL(page.url()).pathname}: ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}
