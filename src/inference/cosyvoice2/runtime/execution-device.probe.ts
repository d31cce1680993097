import { InferenceSession } from 'onnxruntime-node';
import type { InferenceConfig } from '../../../config/app-config.js';
import { ExecutionDeviceUnavailableError } from '../../execution-device-unavailable.error.js';
import { buildLlmHeadModel } from '../llm/llm-head.graph.js';

/**
 * Checks, independently of the model pack, that the configured execution provider works by
 * creating a one-node session on it. CPU always works; a CUDA request that cannot be met throws
 * ExecutionDeviceUnavailableError.
 */
export async function probeExecutionDevice(config: InferenceConfig): Promise<void> {
  if (config.device === 'cpu') return;
  const model = buildLlmHeadModel(Float32Array.of(1), Float32Array.of(0));
  try {
    const session = await InferenceSession.create(model, { executionProviders: [config.device] });
    await session.release();
  } catch (error) {
    throw new ExecutionDeviceUnavailableError(
      `INFERENCE_DEVICE=${config.device} but onnxruntime could not create the ${config.device.toUpperCase()} ` +
        `execution provider (${(error as Error).message}). Install a CUDA-enabled onnxruntime-node ` +
        'with its CUDA/cuDNN runtime, or set INFERENCE_DEVICE=cpu',
    );
  }
}
