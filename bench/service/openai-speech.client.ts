import { HttpSpeechClient, type HttpSpeechRoute } from './http-speech.client.js';
import type { ServiceTarget } from './service-target.js';
import type { SpeechSettings } from './speech-sample.js';

/**
 * POST /v1/audio/speech (the OpenAI-compatible API) with `stream_format: "audio"`, the body read
 * chunk by chunk as it arrives; the first audio is the first chunk. The API always answers at
 * 24 kHz, so `sampleRate` must be 24000.
 */
const OPENAI_SPEECH: HttpSpeechRoute = {
  path: '/v1/audio/speech',
  body: (text, settings) => ({
    model: 'tts-1',
    voice: settings.voiceId,
    input: text.text,
    response_format: settings.outputFormat,
    stream_format: 'audio',
    seed: settings.seed,
  }),
  async audio(response, firstAudio) {
    const chunks: Buffer[] = [];
    const reader = response.body!.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (next.value.length > 0) firstAudio();
      chunks.push(Buffer.from(next.value));
    }
    return Buffer.concat(chunks);
  },
};

export class OpenAiSpeechClient extends HttpSpeechClient {
  constructor(target: ServiceTarget, settings: SpeechSettings) {
    super(target, settings, OPENAI_SPEECH);
  }
}
