/**
 * Runs every `bench/*.bench.ts` file in name order (`npm run bench`). A bench file either does
 * its work when imported, or exports a default async function, which is then awaited.
 * Pass name fragments to run only matching files: `npm run bench -- dsp`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

for (const name of files) {
  console.log(`\n## ${name}`);
  const loaded = (await import(pathToFileURL(join(benchDir, name)).href)) as {
    default?: unknown;
  };
  if (typeof loaded.default === 'function') await (loaded.default as () => Promise<void>)();
}
