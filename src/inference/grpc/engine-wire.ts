import type { PcmAudio } from '../../audio/audio.types.js';
import { EngineFailedError } from '../inference.provider.js';
import type { EngineMode, SynthesisInput, VoiceFeatures } from '../inference.types.js';
import type { WorkerErrorKind } from '../worker/inference-worker.protocol.js';
import { fromWorkerError, toWorkerError } from '../worker/worker-error.kind.js';
import type {
  ExtractRequest,
  WireErrorKind,
  WireFailed,
  WireMode,
  WireSynthesisRequest,
  WireVoiceFeatures,
} from './engine-proto.js';

/**
 * The one mapping between the engine's request value (SynthesisInput, VoiceFeatures) and the
 * messages of engine.proto. Arrays travel as little-endian bytes (every supported host is
 * little-endian); a received buffer is copied so its typed view is aligned.
 */

const WIRE_MODE: Record<EngineMode, WireMode> = {
  zero_shot: 'ZERO_SHOT',
  cross_lingual: 'CROSS_LINGUAL',
  instruct2: 'INSTRUCT2',
};

const WIRE_ERROR_KIND: Record<WorkerErrorKind, WireErrorKind> = {
  'model-not-loaded': 'MODEL_NOT_LOADED',
  'input-rejected': 'INPUT_REJECTED',
  'device-unavailable': 'DEVICE_UNAVAILABLE',
  aborted: 'ABORTED',
  engine: 'ENGINE',
};

/** The bytes of a typed array (a view, nothing copied). */
export function bytesOf(array: Float32Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

export function float32Of(bytes: Buffer): Float32Array {
  return new Float32Array(new Uint8Array(bytes).buffer);
}

function int32Of(bytes: Buffer): Int32Array {
  return new Int32Array(new Uint8Array(bytes).buffer);
}

export function voiceToWire(voice: VoiceFeatures): WireVoiceFeatures {
  return {
    speakerEmbedding: bytesOf(voice.speakerEmbedding),
    speechTokens: bytesOf(voice.speechTokens),
    promptMel: bytesOf(voice.promptMel),
    promptMelFrames: voice.promptMelFrames,
  };
}

export function voiceFromWire(voice: WireVoiceFeatures): VoiceFeatures {
  return {
    speakerEmbedding: float32Of(voice.speakerEmbedding),
    speechTokens: int32Of(voice.speechTokens),
    promptMel: float32Of(voice.promptMel),
    promptMelFrames: voice.promptMelFrames,
  };
}

/** The request message of a synthesis; text in pieces follows as `text_piece` messages. */
export function requestToWire(input: SynthesisInput): WireSynthesisRequest {
  return {
    mode: WIRE_MODE[input.mode],
    text: typeof input.text === 'string' ? input.text : undefined,
    promptText: input.promptText,
    instruct: input.instruct,
    voice: voiceToWire(input.voice),
    speed: input.speed,
    stream: input.stream,
    seed: input.seed,
  };
}

/**
 * The engine's request of a received message, with `pieces` as its text when the message has
 * none. Throws for a message that names no mode or carries no voice.
 */
export function requestFromWire(
  request: WireSynthesisRequest,
  pieces: AsyncIterable<string>,
  signal: AbortSignal,
): SynthesisInput {
  const mode = (Object.keys(WIRE_MODE) as EngineMode[]).find(
    (engineMode) => WIRE_MODE[engineMode] === request.mode,
  );
  if (!mode) throw new Error(`the request names no synthesis mode (${request.mode})`);
  if (!request.voice) throw new Error('the request carries no voice features');
  return {
    mode,
    text: request.text ?? pieces,
    promptText: request.promptText,
    instruct: request.instruct,
    voice: voiceFromWire(request.voice),
    speed: request.speed,
    stream: request.stream,
    seed: request.seed,
    signal,
  };
}

export function errorKindToWire(kind: WorkerErrorKind): WireErrorKind {
  return WIRE_ERROR_KIND[kind];
}

/**
 * The `failed` message of a run that threw `error`: its kind, message and the request field at
 * fault. A worker that died (EngineFailedError) is ENGINE_FAILED: another node can run it.
 */
export function failedToWire(error: unknown): WireFailed {
  if (error instanceof EngineFailedError) {
    return { kind: 'ENGINE_FAILED', message: error.message };
  }
  const { kind, message, field } = toWorkerError(error, false);
  return { kind: WIRE_ERROR_KIND[kind], message, field };
}

/** The error of a `failed` message, as the in-process path raises it (field included). */
export function errorFromWire({ kind, message, field }: WireFailed): Error {
  const workerKind = (Object.keys(WIRE_ERROR_KIND) as WorkerErrorKind[]).find(
    (key) => WIRE_ERROR_KIND[key] === kind,
  );
  if (!workerKind) return new EngineFailedError(message);
  return fromWorkerError({ kind: workerKind, message, field });
}

export function audioToWire(audio: PcmAudio): ExtractRequest {
  return { samples: bytesOf(audio.samples), sampleRate: audio.sampleRate };
}

export function audioFromWire(request: ExtractRequest): PcmAudio {
  return { samples: float32Of(request.samples), sampleRate: request.sampleRate };
}
