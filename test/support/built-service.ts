import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildService,
  freePort,
  startServiceProcess,
  type ServiceProcess,
} from './service-process.js';
import { DEFAULT_TEST_DATABASE_URL, isolatedDatabase } from './test-app.js';
import { prepareTinyPack } from './tiny-pack.js';

/**
 * What a spec needs to run the built service (`node dist/main.js`) as a process of its own: the
 * tiny pack, an empty database of its own (TEST_DATABASE_URL's server), a free loopback port and
 * storage in a temporary folder.
 */
export interface BuiltService {
  tempDir: string;
  storageDir: string;
  baseUrl: string;
  /** Starts the process (again, after a kill) with the same settings; resolves once ready. */
  start(): Promise<ServiceProcess>;
  /** Drops the database and removes the folder (stop the process first). */
  dispose(): Promise<void>;
}

/** Prepares a built service named `name` (its temp folder's prefix); `env` adds to its settings. */
export async function prepareBuiltService(
  name: string,
  env: Record<string, string>,
): Promise<BuiltService> {
  const tempDir = await mkdtemp(join(tmpdir(), `cosyvoice-${name}-`));
  const storageDir = join(tempDir, 'audio');
  const [buildDir, port, modelDir] = await Promise.all([
    buildService(),
    freePort(),
    prepareTinyPack(),
  ]);
  const database = await isolatedDatabase(
    process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL,
    tempDir,
  );
  const settings = {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: database.url,
    STORAGE_DIR: storageDir,
    MODEL_DIR: modelDir,
    ...env,
  };
  return {
    tempDir,
    storageDir,
    baseUrl: `http://127.0.0.1:${port}`,
    start: () => startServiceProcess(buildDir, settings, port),
    async dispose() {
      await database.drop();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
