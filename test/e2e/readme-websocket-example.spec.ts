import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import { REPOSITORY_DIR } from '../support/compose-project.js';
import { uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

interface Outcome {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** The README's WebSocket example: the `js` block of its WebSocket section, as printed. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(REPOSITORY_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### WebSocket duplex tasks'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block?.includes("new WebSocket('ws://127.0.0.1:8080/api-ws/v1/audio/speech'")) {
    throw new Error('the README has no WebSocket example where expected');
  }
  return block;
}

/** Runs the example with node as a user would, its URL pointed at the test app. */
function runExample(code: string, env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', code],
      { cwd: REPOSITORY_DIR, env: { ...process.env, ...env }, encoding: 'buffer', timeout: 60_000 },
      (error, stdout, stderr) => {
        const exit = error as (Error & { code?: number | string }) | null;
        resolve({
          code: exit ? (typeof exit.code === 'number' ? exit.code : -1) : 0,
          stdout,
          stderr: stderr.toString(),
        });
      },
    );
  });
}

describe("the README's WebSocket example (tiny pack)", () => {
  let app: TestApp;
  let code: string;
  let voice: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    code = (await readmeExample()).replace('ws://127.0.0.1:8080', app.wsUrl);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('writes the WAV to stdout and exits 0', async () => {
    const outcome = await runExample(code, { TOKEN: app.token, ID: voice });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const audio = await decodeAudio(outcome.stdout);
    expect(audio.sampleRate).toBe(24000);
    expect(audio.duration).toBeGreaterThan(0.3);
  });

  it('exits 1 with the reason on task-failed (unknown voice), writing no audio', async () => {
    const outcome = await runExample(code, {
      TOKEN: app.token,
      ID: '6f1d5a52-0d47-4c1e-9a8e-5d2f4f3b2a10',
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^task failed: NotFound: reference audio .* not found/);
    expect(outcome.stdout.length).toBe(0);
  });

  it('exits 1 when the handshake is refused (wrong token)', async () => {
    const outcome = await runExample(code, { TOKEN: 'wrong-token', ID: voice });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/401/);
  });
});
