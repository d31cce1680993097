import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validationMessage } from '../common/validation-message.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import { instructionFor, synthesisOptions } from '../synthesis/synthesis-options.js';
import { RunTaskPayloadDto } from './dto/run-task-payload.dto.js';

/**
 * Turns a WebSocket `run-task` payload into a SynthesisRequest (its text arrives later, in
 * `continue-task` pieces), or into the message saying what is wrong with it: the same DTO rules
 * and messages as REST. A task always streams.
 */
export function toRunTaskRequest(
  payload: Record<string, unknown>,
): Omit<SynthesisRequest, 'text'> | string {
  const dto = plainToInstance(RunTaskPayloadDto, payload);
  const errors = validateSync(dto, { forbidUnknownValues: false });
  if (errors.length > 0) {
    return validationMessage(errors);
  }
  const { parameters } = dto;
  return {
    transport: 'websocket',
    mode: parameters.mode,
    referenceAudioId: parameters.reference_audio_id,
    instruct: instructionFor(parameters.mode, parameters.instruct),
    ...synthesisOptions(parameters),
    stream: true,
  };
}
