import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  buildPlayground,
  launchChromium,
  openPage,
  type WatchedPage,
} from './playground-browser.js';
import { uploadVoice } from './speech-clients.js';
import { startTestApp, type TestApp } from './test-app.js';
import { prepareTinyPack } from './tiny-pack.js';

/** What the tests of one describe block share: the app, one Chromium and a work folder. */
export interface PlaygroundSession {
  /** The service on the tiny pack, with one stored voice. */
  readonly app: TestApp;
  readonly chromium: Browser;
  /** A temporary folder of the block's (removed at the end). */
  readonly workDir: string;
  /** The page at `/`, in a tab where the user entered the app's token unless `withToken` is false. */
  open(withToken?: boolean): Promise<Page>;
  /**
   * A watched page of `browser` with `token`, closed after the test like `open`'s; for a page of
   * another app.
   */
  watch(token?: string): Promise<WatchedPage>;
  /** Console lines the current test provokes on purpose (the browser's log of a refused request). */
  expectErrors(...patterns: RegExp[]): void;
}

/**
 * Registers the hooks of a playground describe block: before it, the built playground, the
 * service on the tiny pack with one stored voice and one Chromium whose fake microphone plays the
 * file `microphone` writes into the work folder; after each test, the page is closed and any
 * console error it had that the test did not expect fails the test; after the block, everything
 * is closed and removed.
 */
export function usePlaygroundSession(
  name: string,
  microphone: (workDir: string) => string,
): PlaygroundSession {
  let app: TestApp | undefined;
  let chromium: Browser | undefined;
  let workDir: string | undefined;
  let watched: WatchedPage | undefined;
  let expectedErrors: RegExp[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), `cosyvoice-${name}-`));
    const microphoneWav = microphone(workDir);
    const [started] = await Promise.all([
      prepareTinyPack().then((pack) => startTestApp({ MODEL_DIR: pack })),
      buildPlayground(),
    ]);
    app = started;
    await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    chromium = await launchChromium(microphoneWav);
  });

  afterEach(async () => {
    const errors = watched?.errors.filter(
      (error) => !expectedErrors.some((pattern) => pattern.test(error)),
    );
    await watched?.context.close();
    watched = undefined;
    expectedErrors = [];
    expect(errors ?? []).toEqual([]);
  });

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the playground session has no ${what} yet`);
    return value;
  };
  const session: PlaygroundSession = {
    get app() {
      return started(app, 'app');
    },
    get chromium() {
      return started(chromium, 'browser');
    },
    get workDir() {
      return started(workDir, 'work folder');
    },
    async watch(token) {
      watched = await openPage(session.chromium, token);
      return watched;
    },
    async open(withToken = true) {
      const { page } = await session.watch(withToken ? session.app.token : undefined);
      await page.goto(`${session.app.baseUrl}/`);
      return page;
    },
    expectErrors(...patterns) {
      expectedErrors = patterns;
    },
  };
  return session;
}

/** Polls until the assertion holds, for up to 20 s (the tiny pack is slow on a busy CPU). */
export function eventually<T>(value: () => T | Promise<T>) {
  return expect.poll(value, { timeout: 20_000, interval: 100 });
}

/** Seconds shown by a metrics field of the page ("1.23 s"). */
export async function shownSeconds(page: Page, id: string): Promise<number> {
  return Number.parseFloat((await page.locator(`#${id}`).textContent()) ?? '');
}
