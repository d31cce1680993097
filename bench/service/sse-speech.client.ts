import { joinAudio, readSpeechEvents } from '../../test/support/speech-clients.js';
import { HttpSpeechClient, type HttpSpeechRoute } from './http-speech.client.js';
import type { ServiceTarget } from './service-target.js';
import type { SpeechSettings } from './speech-sample.js';

/** POST /api/v1/audio/speech with `stream: true`, read as server-sent events. */
const SSE_SPEECH: HttpSpeechRoute = {
  path: '/api/v1/audio/speech',
  body: (text, settings) => ({
    model: 'CosyVoice2-0.5B',
    input: { mode: 'fast_replication', reference_audio_id: settings.voiceId, text: text.text },
    output_format: settings.outputFormat,
    sample_rate: settings.sampleRate,
    seed: settings.seed,
    stream: true,
  }),
  async audio(response, firstAudio) {
    const events = await readSpeechEvents(response, (event) => {
      if (event.output.audio.data.length > 0) firstAudio();
    });
    const last = events.at(-1);
    if (last?.error) throw new Error(`${last.error.code}: ${last.error.message}`);
    if (last?.output.finish_reason !== 'stop') throw new Error('the stream ended without "stop"');
    return joinAudio(events);
  },
};

export class SseSpeechClient extends HttpSpeechClient {
  constructor(target: ServiceTarget, settings: SpeechSettings) {
    super(target, settings, SSE_SPEECH);
  }
}
