import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the web playground (Vite's output of `web/`): `web/dist` at the
 * repository root, two levels above this file both in `src/playground` and in `dist/playground`.
 */
export const PLAYGROUND_BUNDLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * Serves the built web playground at `/` (public static files; the page calls the API with the
 * user's token like any other client). One route per file found at boot (`wildcard: false`), so
 * no catch-all route shadows the API's 404s. A missing bundle leaves `/` at 404 with a warning.
 */
export async function registerPlayground(
  app: NestFastifyApplication,
  bundleDir = PLAYGROUND_BUNDLE_DIR,
): Promise<void> {
  if (!existsSync(bundleDir)) {
    new Logger('Playground').warn(
      `the web playground is not built (${bundleDir} is missing): run npm run build`,
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: bundleDir,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
  });
}
