import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI, { NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceAudio, uploadReferenceAudio } from '../support/http-client.js';
import { referenceVoiceWav } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const run = promisify(execFile);
const TEXT = 'Hello there.';

/**
 * The body Open WebUI's OpenAI TTS engine posts to `<base>/audio/speech`, byte for byte: its
 * frontend sends `{input, voice}` (voice `alloy` unless configured), its backend sets `model` to
 * its TTS model (`tts-1` by default) and aiohttp serialises it with Python's json.dumps.
 */
function openWebUiBody(voice: string): string {
  return `{"input": ${JSON.stringify(TEXT)}, "voice": ${JSON.stringify(voice)}, "model": "tts-1"}`;
}

const databases: [string, () => Record<string, string>][] = [
  ['MariaDB', () => ({})],
  [
    'SQLite',
    () => ({
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'openai-voices-')), 'voices.db')}`,
    }),
  ],
];

describe.each(databases)('OpenAI voice names, aliases and default voice on %s', (_label, env) => {
  let app: TestApp;
  let client: OpenAI;
  let unnamed: string;
  const pcmOf = new Map<string, Buffer>();

  async function pcm(voice: string): Promise<Buffer> {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice,
      input: TEXT,
      response_format: 'pcm',
      seed: 7,
    } as OpenAI.Audio.SpeechCreateParams);
    return Buffer.from(await response.arrayBuffer());
  }

  beforeAll(async () => {
    app = await startTestApp({
      ...env(),
      MODEL_DIR: await prepareTinyPack(),
      OPENAI_VOICE_ALIASES: 'alloy=Narrator,echo=ghost',
      OPENAI_DEFAULT_VOICE: 'Studio',
    });
    client = new OpenAI({ apiKey: app.token, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 });
    await createReferenceAudio(app, { bytes: referenceVoiceWav(180), name: 'narrator' });
    // Upper case at upload: stored as `studio`.
    await createReferenceAudio(app, { bytes: referenceVoiceWav(260), name: 'Studio' });
    unnamed = await createReferenceAudio(app, {
      bytes: referenceVoiceWav(220),
      filename: 'zero_shot_prompt.wav',
    });
    for (const voice of ['narrator', 'studio', unnamed]) {
      pcmOf.set(voice, await pcm(voice));
    }
    expect(pcmOf.get('narrator')!.equals(pcmOf.get('studio')!)).toBe(false);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('a name given in any case is stored in lower case and taken in any case', async () => {
    const taken = await uploadReferenceAudio(app, {
      bytes: referenceVoiceWav(300),
      name: 'STUDIO',
    });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({
      code: 'Conflict',
      message: 'name "studio" is already taken by another reference audio',
    });
    for (const voice of ['Narrator', 'NARRATOR', ' narrator ']) {
      expect((await pcm(voice)).equals(pcmOf.get('narrator')!), voice).toBe(true);
    }
  });

  it('alloy speaks with the voice OPENAI_VOICE_ALIASES maps it to (any case)', async () => {
    for (const voice of ['alloy', 'Alloy']) {
      expect((await pcm(voice)).equals(pcmOf.get('narrator')!), voice).toBe(true);
    }
  });

  it('an OpenAI voice name without an alias speaks with OPENAI_DEFAULT_VOICE', async () => {
    for (const voice of ['nova', 'shimmer', 'cedar']) {
      expect((await pcm(voice)).equals(pcmOf.get('studio')!), voice).toBe(true);
    }
  });

  it('a typo of a stored name is a 404, never the default voice', async () => {
    const error = await pcm('narator').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).error).toEqual({
      message:
        'voice "narator" not found: use the id or the name of a stored reference audio ' +
        '(GET /v1/audio/voices lists them)',
      type: 'invalid_request_error',
      param: 'voice',
      code: 'NotFound',
    });
  });

  it('an alias whose voice is not stored is a 404 that names the setting', async () => {
    const error = await pcm('echo').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain(
      'voice "echo" not found: OPENAI_VOICE_ALIASES maps it to "ghost", which is not the id or ' +
        'name of a stored reference audio',
    );
  });

  it("Open WebUI's request body speaks alloy through the alias as MP3", async () => {
    const response = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: openWebUiBody('alloy'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    const dir = await mkdtemp(join(tmpdir(), 'openai-voices-'));
    try {
      const file = join(dir, 'alloy.mp3');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_name:format=duration',
        '-of',
        'json',
        file,
      ]);
      const probe = JSON.parse(stdout) as {
        streams: { codec_name: string }[];
        format: { duration: string };
      };
      expect(probe.streams[0].codec_name).toBe('mp3');
      // Open WebUI sends no seed: the length of this synthesis is its own.
      expect(Number(probe.format.duration)).toBeGreaterThan(0.1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('GET /v1/audio/voices lists exactly the values that work as voice, each working', async () => {
    const response = await fetch(`${app.baseUrl}/v1/audio/voices`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(response.status).toBe(200);
    const { voices } = (await response.json()) as { voices: { id: string; name: string }[] };
    expect(voices).toEqual([
      { id: 'narrator', name: 'narrator' },
      { id: 'studio', name: 'studio' },
      { id: unnamed, name: unnamed },
      { id: 'alloy', name: 'alloy' },
    ]);
    for (const { id } of voices) {
      expect((await pcm(id)).length, id).toBeGreaterThan(0);
    }
  });
});
