import { ModelNotLoadedError } from './inference.provider.js';

/**
 * INFERENCE_DEVICE asks for an execution provider that onnxruntime cannot create here. Unlike a
 * missing or broken pack, the service must not boot with it: the engine rethrows it, and a
 * worker reports it as the `device-unavailable` kind so the main thread raises it again.
 */
export class ExecutionDeviceUnavailableError extends ModelNotLoadedError {
  override name = 'ExecutionDeviceUnavailableError';
}
