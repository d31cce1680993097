import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { EnvironmentVariables } from '../../../src/config/environment.variables.js';
import { REPOSITORY_DIR } from '../../support/compose-project.js';

/**
 * The README's Configuration table is the operations table, and `.env.example` the template of
 * `.env` under docker compose: both list every setting the service reads, and nothing else.
 */
const defaults = new EnvironmentVariables() as unknown as Record<string, unknown>;
/** Every variable with a validation rule, i.e. every setting loadConfig reads. */
const SETTINGS = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
].sort();

async function repositoryFile(name: string): Promise<string> {
  return readFile(join(REPOSITORY_DIR, name), 'utf8');
}

describe('every setting is documented', () => {
  it('finds the settings, optional ones included', () => {
    expect(SETTINGS).toEqual(
      expect.arrayContaining(['API_TOKENS', 'HOST', 'S3_BUCKET', 'SHUTDOWN_GRACE_MS', 'LOG_LEVEL']),
    );
  });

  it('README "Configuration" has one row per setting', async () => {
    const readme = await repositoryFile('README.md');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((match) => match[1]);
    expect([...rows].sort()).toEqual(SETTINGS);
  });

  it('.env.example sets every setting to its default', async () => {
    const template = await repositoryFile('.env.example');
    const values = Object.fromEntries(
      [...template.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
    );
    expect(Object.keys(values).sort()).toEqual(SETTINGS);
    for (const name of SETTINGS) {
      expect({ name, value: values[name] }).toEqual({ name, value: String(defaults[name] ?? '') });
    }
  });
});
