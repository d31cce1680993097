import { defineConfig } from 'vite';

/**
 * Builds the web playground (`vite build web`: web/index.html and web/src) into web/dist, which
 * the service serves at `/`. No inline scripts (the page runs under `script-src 'self'`), no CDN.
 */
export default defineConfig({
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
