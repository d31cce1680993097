import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const SCRIPTS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'scripts',
  'seed-clients',
);

/** exit_status(passed, failed, skipped, allow_skips) of run_all.py and what it printed. */
async function exitStatus(args: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    '/usr/bin/python3',
    ['-c', `import run_all; print(run_all.exit_status(${args}))`],
    { cwd: SCRIPTS },
  );
  return stdout.trim();
}

describe('scripts/seed-clients/run_all.py exit status', () => {
  it('fails when clients were skipped, saying how to allow it', async () => {
    expect(await exitStatus('1, 0, 2, False')).toBe(
      'FAIL: 2 client(s) skipped for missing Python packages; install them (see the header of ' +
        'this script) or set COSYVOICE_ALLOW_SKIPS=1\n1',
    );
  });

  it('passes skipped clients only when told to allow skips', async () => {
    expect(await exitStatus('1, 0, 2, True')).toBe('0');
  });

  it('all passed: 0; a failure: 1 whatever the skips; nothing ran: 1', async () => {
    expect(await exitStatus('3, 0, 0, False')).toBe('0');
    expect(await exitStatus('2, 1, 0, True')).toBe('1');
    expect(await exitStatus('0, 0, 3, True')).toBe('FAIL: no client ran\n1');
  });
});
