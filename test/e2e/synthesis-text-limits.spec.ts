import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadVoice } from '../support/speech-clients.js';
import { SYNTHESIS_TRANSPORTS, type SynthesisCase } from '../support/synthesis-transports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

/** A CJK Extension B ideograph: three BPE tokens each. */
const THREE_TOKENS = '𠀀';

describe('limits of the text that reaches one LLM prompt, on every transport', () => {
  let app: TestApp;
  let voice: string;
  let longTranscriptVoice: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    longTranscriptVoice = await uploadVoice(app, 220, THREE_TOKENS.repeat(400));
  });

  afterAll(async () => {
    await app?.close();
  });

  const instructCase = (instruct: string): SynthesisCase => ({
    mode: 'natural_language_replication',
    reference_audio_id: voice,
    text: '你好。',
    instruct,
  });

  describe.each(SYNTHESIS_TRANSPORTS)('$name', (transport) => {
    it('refuses an instruct over 500 characters, naming the limit', async () => {
      const outcome = await transport.synthesize(
        app,
        instructCase('用四川话说'.repeat(100) + '。'),
      );
      expect(outcome).toMatchObject({ ok: false, code: 'InvalidParameter' });
      expect(outcome.ok || outcome.message).toBe(
        `${transport.wireName('instruct')} is longer than 500 characters`,
      );
      expect(outcome.ok || outcome.status).not.toBe(200);
    });

    it('refuses an instruct over 1000 tokens, naming the token limit', async () => {
      const outcome = await transport.synthesize(app, instructCase(THREE_TOKENS.repeat(400)));
      expect(outcome).toMatchObject({
        ok: false,
        code: 'InvalidParameter',
        message: 'instruct has 1201 tokens; the limit is 1000 tokens',
      });
    });

    it('refuses a voice whose transcript is over 1000 tokens in fast_replication', async () => {
      const outcome = await transport.synthesize(app, {
        mode: 'fast_replication',
        reference_audio_id: longTranscriptVoice,
        text: '你好。',
      });
      expect(outcome).toMatchObject({
        ok: false,
        code: 'InvalidParameter',
        message: expect.stringMatching(
          /^the voice's transcript has \d+ tokens; the limit is 1000 tokens$/,
        ),
      });
    });

    it('refuses text with inline <|…|> tokens over 300 characters (it cannot be split)', async () => {
      const outcome = await transport.synthesize(app, {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: `${'好'.repeat(290)}<|endofprompt|>`,
      });
      expect(outcome).toMatchObject({ ok: false, code: 'InvalidParameter' });
      expect(outcome.ok || outcome.message).toBe(
        `${transport.wireName('text')} holds inline <|…|> tokens, so it is spoken unsplit as one ` +
          'utterance, and is longer than 300 characters',
      );
    });

    it('refuses unsplittable text over the tokens of one utterance', async () => {
      const outcome = await transport.synthesize(app, {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        // `<|` … `|>` keeps a text unsplit; a real <|…|> token would be refused before
        text: `${THREE_TOKENS.repeat(120)}<| |>`,
      });
      expect(outcome).toMatchObject({
        ok: false,
        code: 'InvalidParameter',
        message: expect.stringMatching(
          /^text spoken as one utterance has 36\d tokens; the limit is 337 tokens per utterance$/,
        ),
      });
    });

    it('speaks an instruct of exactly 500 characters', async () => {
      const outcome = await transport.synthesize(app, instructCase('慢'.repeat(500)));
      expect(outcome.ok).toBe(true);
    });
  });
});
