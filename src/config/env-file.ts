/** The settings file `npm start` and `npm run models:check` read from the working directory. */
export const ENV_FILE = '.env';

/**
 * Loads `.env` (KEY=value lines, as `.env.example`) into process.env with Node's own parser;
 * variables already set in the environment win over the file. A missing file is fine.
 */
export function loadEnvFile(path: string = ENV_FILE): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
