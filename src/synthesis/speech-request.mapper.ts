import type { CreateSpeechDto } from './dto/create-speech.dto.js';
import type { SynthesisRequest } from './synthesis-request.js';

/**
 * Turns the REST body into a SynthesisRequest. Options may sit inside `input` or beside it;
 * `input` wins when both are given. `stream` defaults to true.
 */
export function toSynthesisRequest(dto: CreateSpeechDto): SynthesisRequest {
  const { input } = dto;
  const stream = dto.stream ?? true;
  return {
    transport: stream ? 'sse' : 'http',
    model: dto.model,
    mode: input.mode,
    text: input.text,
    referenceAudioId: input.reference_audio_id,
    instruct: input.instruct,
    sampleRate: input.sample_rate ?? dto.sample_rate,
    bitRate: input.bit_rate ?? dto.bit_rate,
    volume: input.volume ?? dto.volume,
    speed: input.speed ?? dto.speed,
    outputFormat: input.output_format ?? dto.output_format,
    seed: input.seed ?? dto.seed,
    stream,
  };
}
