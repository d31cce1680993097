import { InferenceSession } from 'onnxruntime-node';
import { ExecutionDeviceUnavailableError } from '../../execution-device-unavailable.error.js';
import { buildLlmHeadModel } from '../llm/llm-head.graph.js';
import {
  deviceUnavailableHint,
  type DeviceSettings,
  sessionOptionsFor,
} from './execution-device.js';

/** The message of an unusable device: what onnxruntime said, what is missing, how to fall back. */
export function deviceUnavailableMessage(settings: DeviceSettings, reason: string): string {
  return (
    `INFERENCE_DEVICE=${settings.device} but onnxruntime could not create the ` +
    `${settings.device === 'webgpu' ? 'WebGPU' : settings.device.toUpperCase()} execution provider ` +
    `(${reason}). ${deviceUnavailableHint(settings.device)}`
  );
}

/**
 * Checks, independently of the model pack, that the configured execution provider works by
 * creating a one-node session on it. CPU always works; a GPU device that cannot be
 * created (no CUDA libraries, no Vulkan adapter) throws ExecutionDeviceUnavailableError.
 */
export async function probeExecutionDevice(settings: DeviceSettings): Promise<void> {
  if (settings.device === 'cpu') return;
  const model = buildLlmHeadModel(Float32Array.of(1), Float32Array.of(0));
  try {
    const session = await InferenceSession.create(model, sessionOptionsFor(settings));
    await session.release();
  } catch (error) {
    throw new ExecutionDeviceUnavailableError(
      deviceUnavailableMessage(settings, (error as Error).message),
    );
  }
}
