import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadVoice } from '../support/speech-clients.js';
import {
  SYNTHESIS_TRANSPORTS,
  type SynthesisCase,
  type SynthesisOutcome,
} from '../support/synthesis-transports.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';

/**
 * The same invalid request over every transport of SYNTHESIS_TRANSPORTS that can say it gets the
 * same code and the same message, the message naming the field as that transport does
 * (`output_format` in the managed API is `response_format` in the OpenAI body). A new transport
 * is one more entry there; a new rule is one more row here.
 */
const NOTHING_TO_SPEAK =
  'the text holds nothing to speak: it needs at least one letter or digit (punctuation, emoji, ' +
  'invisible characters and control tokens such as [breath] alone are not spoken)';

const INVALID: {
  what: string;
  change: SynthesisCase;
  code: string;
  message: string;
  /** How many transports can say it: 4, or 3 where a field exists in the managed API only. */
  transports: number;
}[] = [
  {
    what: 'speed above 2',
    change: { speed: 3 },
    code: 'InvalidParameter',
    message: 'speed must be a number from 0.5 to 2',
    transports: 3,
  },
  {
    what: 'sample_rate below 8000',
    change: { sample_rate: 4000 },
    code: 'InvalidParameter',
    message: 'sample_rate must be an integer from 8000 to 48000',
    transports: 3,
  },
  {
    what: 'a sample_rate mp3 cannot carry',
    change: { output_format: 'mp3', sample_rate: 44000 },
    code: 'InvalidParameter',
    message:
      'sample_rate 44000 cannot be carried by mp3; use one of 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000',
    transports: 3,
  },
  {
    what: 'an unknown output_format',
    change: { output_format: 'ogg' },
    code: 'InvalidParameter',
    message: 'output_format must be one of wav, mp3, pcm, opus, flac; got "ogg"',
    transports: 4,
  },
  {
    what: 'a bit_rate not in the list',
    change: { bit_rate: '100k' },
    code: 'InvalidParameter',
    message: 'bit_rate must be one of 16k, 32k, 48k, 64k, 128k, 192k, 256k, 320k, 384k; got "100k"',
    transports: 3,
  },
  {
    what: 'volume above 10',
    change: { volume: 11 },
    code: 'InvalidParameter',
    message: 'volume must be a number from 0 to 10',
    transports: 3,
  },
  {
    what: 'a negative seed',
    change: { seed: -1 },
    code: 'InvalidParameter',
    message: 'seed must be an integer from 0 to 2147483647',
    transports: 4,
  },
  {
    what: 'an unknown mode',
    change: { mode: 'karaoke' },
    code: 'InvalidParameter',
    message:
      'mode must be one of fast_replication, cross_lingual_replication, natural_language_replication; got "karaoke"',
    transports: 3,
  },
  {
    what: 'instruct over 500 characters',
    change: { mode: 'natural_language_replication', instruct: '慢'.repeat(501) },
    code: 'InvalidParameter',
    message: 'instruct is longer than 500 characters',
    transports: 4,
  },
  {
    what: 'natural_language_replication without instruct',
    change: { mode: 'natural_language_replication' },
    code: 'InvalidParameter',
    message: 'instruct is required for natural_language_replication',
    transports: 3,
  },
  {
    what: 'a blank text',
    change: { text: '   ' },
    code: 'InvalidParameter',
    message: 'text must not be empty',
    // a WebSocket task's text comes in pieces; a task without any is refused at finish-task
    transports: 3,
  },
  {
    what: 'text with inline tokens over 300 characters',
    change: { text: `<|endofprompt|>${'好'.repeat(300)}` },
    code: 'InvalidParameter',
    message:
      'text holds inline <|…|> tokens, so it is spoken unsplit as one utterance, and is longer than 300 characters',
    // a WebSocket task checks each piece with this rule
    transports: 4,
  },
  ...['。。。', '😀🎉👍', '[breath]', '[laughter] [breath]。', '\u200b'.repeat(5000)].map(
    (text) => ({
      what: `a text with nothing to speak: ${JSON.stringify(text.slice(0, 20))}`,
      change: { text },
      code: 'InvalidParameter',
      message: NOTHING_TO_SPEAK,
      transports: 4,
    }),
  ),
  {
    what: 'a text holding the prompt token <|endofprompt|>',
    change: { text: '你好<|endofprompt|>再见' },
    code: 'InvalidParameter',
    message: promptTokens('text', '<|endofprompt|>'),
    transports: 4,
  },
  {
    what: 'a text holding chat tokens and a language tag',
    change: { text: '<|im_start|><|en|>hello<|im_end|>' },
    code: 'InvalidParameter',
    message: promptTokens('text', '<|im_start|>, <|en|>, <|im_end|>'),
    transports: 4,
  },
  {
    what: 'an instruction holding a prompt token before its end',
    change: { mode: 'natural_language_replication', instruct: '<|im_start|>用四川话说' },
    code: 'InvalidParameter',
    message: promptTokens('instruction', '<|im_start|>'),
    transports: 4,
  },
];

/** The message for `<|…|>` tokens, as every transport sends it. */
function promptTokens(field: string, tokens: string): string {
  return (
    `the ${field} holds ${tokens}, which would break the model's prompt: <|…|> tokens ` +
    '(<|endoftext|>, <|im_start|>, <|im_end|>, <|endofprompt|>, language tags) are refused; ' +
    'control tokens such as [breath], [laughter] and <strong>…</strong> are accepted'
  );
}

const UNKNOWN_VOICE = '00000000-0000-4000-8000-000000000000';

describe('the same invalid input gets the same code and message on every transport', () => {
  let app: ListeningInProcessApp;
  let voice: string;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  const seen = (outcome: SynthesisOutcome) =>
    outcome.ok ? 'ok' : `${outcome.code}: ${outcome.message}`;

  it.each(INVALID)('$what', async ({ change, code, message, transports }) => {
    const request: SynthesisCase = {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      text: '你好。',
      ...change,
    };
    const carriers = SYNTHESIS_TRANSPORTS.filter((transport) => transport.carries(request));
    expect(carriers.map((transport) => transport.name)).toHaveLength(transports);
    for (const transport of carriers) {
      const expected = message.replace(/^\w+/, (field) => transport.wireName(field));
      expect(seen(await transport.synthesize(app, request)), transport.name).toBe(
        `${code}: ${expected}`,
      );
    }
  });

  it('an unknown reference_audio_id: 404 NotFound with the same message in the managed API', async () => {
    const request = {
      mode: 'cross_lingual_replication',
      reference_audio_id: UNKNOWN_VOICE,
      text: '你好。',
    };
    const managed = SYNTHESIS_TRANSPORTS.filter(
      (transport) => transport.wireName('text') === 'text',
    );
    expect(managed).toHaveLength(3);
    for (const transport of managed) {
      expect(seen(await transport.synthesize(app, request)), transport.name).toBe(
        `NotFound: reference audio ${UNKNOWN_VOICE} not found`,
      );
    }
  });

  it('control tokens and an ending <|endofprompt|> are accepted, invisible characters not counted', async () => {
    const accepted: SynthesisCase[] = [
      { text: '[breath]你好，<strong>朋友</strong>[laughter]。' },
      // 5,000 zero-width spaces are left out: 2 characters, not 5,002 over MAX_TEXT_LENGTH
      { text: `你${'\u200b'.repeat(5000)}好。` },
      { mode: 'natural_language_replication', instruct: '用四川话说<|endofprompt|>' },
    ];
    for (const change of accepted) {
      const request: SynthesisCase = {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: '你好。',
        seed: 1,
        ...change,
      };
      for (const transport of SYNTHESIS_TRANSPORTS.filter((t) => t.carries(request))) {
        const outcome = await transport.synthesize(app, request);
        expect(seen(outcome), `${transport.name}: ${JSON.stringify(change).slice(0, 60)}`).toBe(
          'ok',
        );
      }
    }
  });

  it('counts each refusal by reason in synthesis_refused_total', async () => {
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const count = (reason: string) =>
      Number(
        new RegExp(`^synthesis_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
          metrics,
        )?.[1] ?? 0,
      );
    // 5 texts × 4 transports; 3 token rows × 4 transports
    expect(count('no_speakable_text')).toBe(20);
    expect(count('prompt_tokens')).toBe(12);
  });
});
