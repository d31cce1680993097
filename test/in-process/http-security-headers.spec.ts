import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { CHROMIUM_PATH, HEADLESS_FLAGS } from '../support/playground-browser.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';

/**
 * Runs in a page of the service (the browser's globals, not Node's): opens a WebSocket to the
 * service, makes blob: audio and tries an inline script, as the web playground would.
 */
const PAGE_PROBE = `async (wsUrl) => {
  const socketOpened = await new Promise((resolve) => {
    const socket = new WebSocket(wsUrl);
    socket.onerror = () => resolve('refused by the server');
    socket.onclose = () => resolve('refused by the server');
    setTimeout(() => resolve('no answer'), 5000);
  });
  const audio = new Audio(URL.createObjectURL(new Blob([new Uint8Array(44)])));
  const inline = document.createElement('script');
  inline.textContent = 'window.inlineRan = true';
  document.body.append(inline);
  return { socketOpened, audioSrc: audio.src.slice(0, 5), inlineRan: 'inlineRan' in window };
}`;

function expectedPolicy(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ws://${host} wss://${host}`,
    "worker-src 'self' blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join(';');
}

describe('security headers (helmet) and the Content-Security-Policy', () => {
  let app: ListeningInProcessApp;
  let host: string;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
    host = new URL(app.baseUrl).host;
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['a public route', '/health', 200],
    ['a refused request', REFERENCE_AUDIO_PATH, 401],
    ['an unknown route', '/nothing-here', 404],
    ['the Swagger UI', '/docs', 200],
  ])('sends them on %s', async (_, path, status) => {
    const response = await fetch(`${app.baseUrl}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-security-policy')).toBe(expectedPolicy(host));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('serves /docs as a page whose scripts and styles are all files of this origin', async () => {
    const page = await (await fetch(`${app.baseUrl}/docs`)).text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...page.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${app.baseUrl}/docs`));
      expect(response.status, asset).toBe(200);
    }
  });

  describe('in a real browser', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: HEADLESS_FLAGS,
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('renders the Swagger UI at /docs without a CSP violation', async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${app.baseUrl}/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
      expect(await page.textContent('.swagger-ui .info .title')).toContain(
        'CosyVoice2 speech service',
      );
      await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
      expect(problems).toEqual([]);
    });

    it('lets a page of this origin open a WebSocket to it and play blob: audio, but not run inline script', async () => {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${app.baseUrl}/health`);
      const result = (await page.evaluate(
        `(${PAGE_PROBE})(${JSON.stringify(`${app.wsUrl}/api-ws/v1/audio/speech`)})`,
      )) as { socketOpened: string; audioSrc: string; inlineRan: boolean };
      expect(result.socketOpened).toBe('refused by the server');
      expect(result.audioSrc).toBe('blob:');
      expect(result.inlineRan).toBe(false);
      expect(violations.join('\n')).toMatch(/inline script/);
      expect(violations.join('\n')).not.toMatch(/connect-src|media-src/);
    });
  });
});

describe('CORS_ORIGINS', () => {
  let open: ListeningInProcessApp;
  let closed: ListeningInProcessApp;
  const origin = 'https://app.example.com';

  beforeAll(async () => {
    open = await startListeningInProcessApp({
      CORS_ORIGINS: `${origin},https://other.example.com`,
    });
    closed = await startListeningInProcessApp();
  });

  afterAll(async () => {
    await open?.close();
    await closed?.close();
  });

  function preflight(app: ListeningInProcessApp, from: string): Promise<Response> {
    return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      method: 'OPTIONS',
      headers: {
        origin: from,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
  }

  it('answers the preflight of a listed origin and lets it read the answer', async () => {
    const response = await preflight(open, origin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type',
    );
    const list = await fetch(`${open.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: { origin, authorization: `Bearer ${open.token}` },
    });
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBe(origin);
    expect(list.headers.get('access-control-expose-headers')).toBe('x-request-id, Retry-After');
  });

  it('allows no other origin', async () => {
    const response = await preflight(open, 'https://evil.example.net');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin at all by default', async () => {
    const response = await preflight(closed, origin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const list = await fetch(`${closed.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: { origin, authorization: `Bearer ${closed.token}` },
    });
    expect(list.headers.get('access-control-allow-origin')).toBeNull();
  });
});
