import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPOSITORY_DIR } from './compose-project.js';
import { oncePerRun } from './once-per-run.js';

const run = promisify(execFile);

/** Debian's Chromium, as CI installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The headless flags that work without a network (no updates, sync or QUIC probes). */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Content-Security-Policy of the page (same-origin only), in its `<meta>` and from helmet. */
export const PLAYGROUND_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; " +
  "worker-src 'self' blob:";

/**
 * Builds the page from web/ into web/dist (what `npm run build` does after `nest build`), once per
 * run: the files that serve it may run at the same time, and a second build would empty web/dist
 * under the first one's page.
 */
export function buildPlayground(): Promise<void> {
  return oncePerRun('playground', async () => {
    const vite = join(REPOSITORY_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', 'web'], { cwd: REPOSITORY_DIR });
    if (!existsSync(join(REPOSITORY_DIR, 'web', 'dist', 'index.html'))) {
      throw new Error('vite build web did not write web/dist/index.html');
    }
  });
}

/**
 * One headless Chromium, its fake microphone fed from `microphoneWav`. Playwright gives every
 * launch a fresh temporary profile (user-data-dir) and removes it on close.
 */
export function launchChromium(microphoneWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...HEADLESS_FLAGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphoneWav}`,
    ],
  });
}

/** A page and every console error or uncaught exception it has had (CSP violations included). */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/**
 * A new context and page. With `token`, the page starts as in a tab where the user entered it
 * earlier (it is kept in sessionStorage), so its first requests already carry it.
 */
export async function openPage(browser: Browser, token?: string): Promise<WatchedPage> {
  const context = await browser.newContext({ acceptDownloads: true });
  if (token !== undefined) {
    await context.addInitScript({
      content: `sessionStorage.setItem('cosyvoice-playground-token', ${JSON.stringify(token)});`,
    });
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { context, page, errors };
}
