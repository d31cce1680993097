import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { PcmAudio } from '../../audio/audio.types.js';
import { kaldiFbank, subtractFrameMean } from './dsp/kaldi-fbank.js';
import { matchaMel } from './dsp/matcha-mel.js';
import { resample } from '../../audio/resampler.js';
import { whisperLogMel, WHISPER_MEL_BINS } from './dsp/whisper-log-mel.js';
import { ENGINE_SAMPLE_RATE, type VoiceFeatures } from '../inference.types.js';
import { MAX_PROMPT_SECONDS, MEL_BINS, TOKEN_MEL_RATIO } from './cosyvoice2.constants.js';
import { tensorToFloat32, tensorToInt32 } from './runtime/onnx-tensors.js';
import type { SessionTimer } from './runtime/session-timer.js';
import { InputRejectedError } from '../inference.provider.js';

const TOKENIZER_SAMPLE_RATE = 16000;
/** Below this the 24 kHz mel has no frame pair (and the tokenizer no token). */
const MIN_PROMPT_SECONDS = 0.1;

/** What voice-feature extraction needs from the model pack. */
export interface VoiceFeatureResources {
  campplus: InferenceSession;
  speechTokenizer: InferenceSession;
}

/** The reference audio cannot give voice features (too long, too short). */
export class VoiceFeatureError extends InputRejectedError {
  override name = 'VoiceFeatureError';
}

/**
 * The per-voice features of the official frontend (`frontend_zero_shot` at ace7c47), computed
 * from the uploaded audio as is (no silence trim or peak normalisation, which only the old webui
 * applied):
 * - 16 kHz Kaldi fbank 80 minus its mean over time → CAM++ → 192-d speaker embedding;
 * - 16 kHz Whisper log-mel 128 → speech_tokenizer_v2 → 25 Hz speech tokens (≤ 30 s);
 * - 24 kHz Matcha mel 80 → 50 Hz prompt mel;
 * - both cut to the 2:1 alignment: n = min(⌊mel frames / 2⌋, tokens), mel = 2n frames.
 */
export class VoiceFeatureExtractor {
  constructor(private readonly resources: VoiceFeatureResources) {}

  async extract(
    audio: PcmAudio,
    timer: SessionTimer,
    signal?: AbortSignal,
  ): Promise<VoiceFeatures> {
    const seconds = audio.samples.length / audio.sampleRate;
    if (seconds > MAX_PROMPT_SECONDS) {
      throw new VoiceFeatureError(
        `reference audio is ${seconds.toFixed(1)} s long; the speech tokenizer accepts at most ${MAX_PROMPT_SECONDS} s`,
      );
    }
    if (seconds < MIN_PROMPT_SECONDS) {
      throw new VoiceFeatureError(
        `reference audio is ${seconds.toFixed(3)} s long; at least ${MIN_PROMPT_SECONDS} s is needed`,
      );
    }
    const speech16k = resample(audio.samples, audio.sampleRate, TOKENIZER_SAMPLE_RATE);
    const speech24k = resample(audio.samples, audio.sampleRate, ENGINE_SAMPLE_RATE);

    signal?.throwIfAborted();
    const speakerEmbedding = await this.speakerEmbedding(speech16k, timer);
    signal?.throwIfAborted();
    const tokens = await this.speechTokens(speech16k, timer);
    signal?.throwIfAborted();
    const mel = matchaMel(speech24k);

    const tokenCount = Math.min(Math.floor(mel.frames / TOKEN_MEL_RATIO), tokens.length);
    if (tokenCount === 0) {
      throw new VoiceFeatureError('reference audio is too short to give any speech token');
    }
    const melFrames = TOKEN_MEL_RATIO * tokenCount;
    return {
      speakerEmbedding,
      speechTokens: tokens.slice(0, tokenCount),
      promptMel: mel.data.slice(0, melFrames * MEL_BINS),
      promptMelFrames: melFrames,
    };
  }

  private async speakerEmbedding(
    speech16k: Float32Array,
    timer: SessionTimer,
  ): Promise<Float32Array> {
    const fbank = subtractFrameMean(kaldiFbank(speech16k));
    if (fbank.frames === 0) {
      throw new VoiceFeatureError('reference audio is too short for a speaker embedding');
    }
    const { campplus } = this.resources;
    const outputs = await timer.run(campplus, {
      [campplus.inputNames[0]]: new Tensor('float32', fbank.data, [1, fbank.frames, MEL_BINS]),
    });
    return Float32Array.from(tensorToFloat32(outputs[campplus.outputNames[0]]));
  }

  private async speechTokens(speech16k: Float32Array, timer: SessionTimer): Promise<Int32Array> {
    const logMel = whisperLogMel(speech16k);
    const { speechTokenizer } = this.resources;
    const outputs = await timer.run(speechTokenizer, {
      feats: new Tensor('float32', logMel.data, [1, WHISPER_MEL_BINS, logMel.frames]),
      feats_length: new Tensor('int32', Int32Array.of(logMel.frames), [1]),
    });
    return tensorToInt32(outputs[speechTokenizer.outputNames[0]]);
  }
}
