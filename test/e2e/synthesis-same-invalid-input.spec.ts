import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadVoice } from '../support/speech-clients.js';
import {
  SYNTHESIS_TRANSPORTS,
  type SynthesisCase,
  type SynthesisOutcome,
} from '../support/synthesis-transports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

/**
 * The same invalid request over every transport of SYNTHESIS_TRANSPORTS gets the same code and
 * the same message. A new transport is one more entry there; a new rule is one more row here.
 */
const INVALID: { what: string; change: (voice: string) => SynthesisCase; code: string }[] = [
  { what: 'speed above 2', change: () => ({ speed: 3 }), code: 'InvalidParameter' },
  {
    what: 'sample_rate below 8000',
    change: () => ({ sample_rate: 4000 }),
    code: 'InvalidParameter',
  },
  {
    what: 'an unknown output_format',
    change: () => ({ output_format: 'ogg' }),
    code: 'InvalidParameter',
  },
  { what: 'an unknown mode', change: () => ({ mode: 'karaoke' }), code: 'InvalidParameter' },
  {
    what: 'instruct over 500 characters',
    change: () => ({ mode: 'natural_language_replication', instruct: '慢'.repeat(501) }),
    code: 'InvalidParameter',
  },
  {
    what: 'natural_language_replication without instruct',
    change: () => ({ mode: 'natural_language_replication' }),
    code: 'InvalidParameter',
  },
  {
    what: 'an unknown reference_audio_id',
    change: () => ({ reference_audio_id: '00000000-0000-4000-8000-000000000000' }),
    code: 'NotFound',
  },
];

describe('the same invalid input gets the same code and message on every transport', () => {
  let app: TestApp;
  let voice: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(INVALID)('$what', async ({ change, code }) => {
    const request: SynthesisCase = {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      text: '你好。',
      ...change(voice),
    };
    const outcomes: [string, SynthesisOutcome][] = [];
    for (const transport of SYNTHESIS_TRANSPORTS) {
      outcomes.push([transport.name, await transport.synthesize(app, request)]);
    }
    const seen = outcomes.map(([name, outcome]) => [
      name,
      outcome.ok ? 'ok' : `${outcome.code}: ${outcome.message}`,
    ]);
    const first = seen[0][1];
    expect(first.startsWith(`${code}: `), first).toBe(true);
    expect(seen).toEqual(seen.map(([name]) => [name, first]));
  });
});
