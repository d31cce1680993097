import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isRecord } from '../common/is-record.js';
import { validationMessage } from '../common/validation-message.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import { RunTaskParametersDto } from './dto/run-task-parameters.dto.js';

/**
 * Turns a WebSocket `run-task` payload into a SynthesisRequest (its text arrives later, in
 * `continue-task` pieces), or into the message saying what is wrong with it. The WebSocket
 * counterpart of the REST `toSynthesisRequest`; a task always streams.
 */
export function toRunTaskRequest(
  payload: Record<string, unknown>,
): Omit<SynthesisRequest, 'text'> | string {
  const { model, parameters } = payload;
  if (model === undefined) {
    return 'payload.model is required (e.g. "cosyvoice-v2")';
  }
  if (typeof model !== 'string') {
    return 'payload.model must be a string';
  }
  if (!isRecord(parameters)) {
    return 'payload.parameters is required: an object with mode, reference_audio_id, ...';
  }
  const dto = plainToInstance(RunTaskParametersDto, parameters);
  const errors = validateSync(dto, { forbidUnknownValues: false });
  if (errors.length > 0) {
    return validationMessage(errors);
  }
  return {
    transport: 'websocket',
    model,
    mode: dto.mode,
    referenceAudioId: dto.reference_audio_id,
    instruct: dto.instruct,
    sampleRate: dto.sample_rate,
    bitRate: dto.bit_rate,
    volume: dto.volume,
    speed: dto.speed,
    outputFormat: dto.output_format,
    seed: dto.seed,
    stream: true,
  };
}
