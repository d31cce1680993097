/**
 * npm run models:download -- [--source huggingface|modelscope] [--dir <MODEL_DIR>]
 *                            [--hf-endpoint URL] [--modelscope-endpoint URL] [--ailia-base URL]
 * Fetches a complete CosyVoice2-0.5B model pack; resumable and idempotent.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_AILIA_BASE,
  DEFAULT_HF_ENDPOINT,
  DEFAULT_MODELSCOPE_ENDPOINT,
  downloadModelPack,
  type DownloadProgress,
  ModelDownloadError,
  type OfficialSource,
} from './model-pack.downloader.js';

const USAGE =
  'usage: npm run models:download -- [--source huggingface|modelscope] [--dir <MODEL_DIR>] ' +
  '[--hf-endpoint URL] [--modelscope-endpoint URL] [--ailia-base URL]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: 'huggingface' },
      dir: { type: 'string', default: process.env.MODEL_DIR ?? './models/CosyVoice2-0.5B' },
      'hf-endpoint': { type: 'string', default: process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT },
      'modelscope-endpoint': { type: 'string', default: DEFAULT_MODELSCOPE_ENDPOINT },
      'ailia-base': { type: 'string', default: DEFAULT_AILIA_BASE },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.source !== 'huggingface' && values.source !== 'modelscope') {
    console.error(`--source must be huggingface or modelscope\n${USAGE}`);
    process.exit(2);
  }
  return {
    dir: resolve(values.dir),
    source: values.source as OfficialSource,
    hfEndpoint: values['hf-endpoint'],
    modelscopeEndpoint: values['modelscope-endpoint'],
    ailiaBase: values['ailia-base'],
  };
}

/** Renders progress on stderr: one rewritten line on a terminal, every 10% otherwise. */
function progressRenderer(): (progress: DownloadProgress) => void {
  const interactive = process.stderr.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  const started = new Map<string, number>();
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  return (progress) => {
    const { file, receivedBytes, totalBytes, state } = progress;
    if (state === 'skipped') {
      process.stderr.write(`✓ ${file} (already complete, ${mb(receivedBytes)} MB)\n`);
      return;
    }
    if (state === 'done') {
      if (interactive) process.stderr.write('\r\u001b[K');
      const checked = progress.sha256Verified ? 'sha256 verified' : 'sha256 recorded';
      process.stderr.write(`✓ ${file} (${mb(receivedBytes)} MB, ${checked})\n`);
      lastDecile = -1;
      return;
    }
    if (!started.has(file)) started.set(file, Date.now());
    const percent = totalBytes ? Math.floor((100 * receivedBytes) / totalBytes) : undefined;
    const seconds = Math.max((Date.now() - started.get(file)!) / 1000, 0.001);
    const line =
      `↓ ${file} ${mb(receivedBytes)}${totalBytes ? `/${mb(totalBytes)}` : ''} MB` +
      `${percent !== undefined ? ` ${percent}%` : ''} (${mb(receivedBytes / seconds)} MB/s)`;
    if (interactive) {
      if (Date.now() - lastDraw < 200) return;
      lastDraw = Date.now();
      process.stderr.write(`\r\u001b[K${line}`);
    } else if (percent !== undefined && Math.floor(percent / 10) > lastDecile) {
      lastDecile = Math.floor(percent / 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  console.error(
    `Downloading the CosyVoice2-0.5B model pack into ${options.dir} (${options.source})`,
  );
  try {
    const result = await downloadModelPack({ ...options, onProgress: progressRenderer() });
    console.error(
      `Model pack ready in ${options.dir}: ${result.downloaded.length} files fetched or built, ` +
        `${result.skipped.length} already complete. Start the service with MODEL_DIR=${options.dir}`,
    );
  } catch (error) {
    if (error instanceof ModelDownloadError) {
      console.error(`\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

await main();
