/**
 * npm run models:tiny -- <dir>
 * Builds the tiny CosyVoice2 model pack (real graph names and shapes, small weights) into <dir>;
 * the service runs on it with MODEL_DIR=<dir>.
 */
import { resolve } from 'node:path';
import { finishTinyPack, generateTinyPackGraphs, TINY_PACK_PYTHON } from './tiny-pack.js';

async function main(): Promise<void> {
  const target = process.argv[2];
  if (target === undefined || process.argv.length > 3) {
    console.error('usage: npm run models:tiny -- <dir>');
    process.exit(2);
  }
  const dir = resolve(target);
  try {
    await generateTinyPackGraphs(dir);
  } catch (error) {
    console.error(
      `Exporting the tiny graphs with ${TINY_PACK_PYTHON} failed (it needs torch and onnx; ` +
        `set TINY_PACK_PYTHON to another interpreter):\n${(error as Error).message}`,
    );
    process.exit(1);
  }
  const manifest = await finishTinyPack(dir);
  console.log(`Tiny model pack written to ${dir} (${Object.keys(manifest.roles).length} files)`);
}

await main();
