import { describe, expect, it } from 'vitest';
import { ExecutionDeviceUnavailableError } from '../../../src/inference/execution-device-unavailable.error.js';
import {
  InputRejectedError,
  ModelNotLoadedError,
} from '../../../src/inference/inference.provider.js';
import { fromWorkerError, toWorkerError } from '../../../src/inference/worker/worker-error.kind.js';

/** What the main thread raises for `error` thrown in a worker: through structured clone. */
const across = (error: unknown, aborted = false) =>
  fromWorkerError(structuredClone(toWorkerError(error, aborted)));

describe('engine errors across a worker thread', () => {
  it('loses its class in a structured clone, which is why the kind travels', () => {
    expect(structuredClone(new InputRejectedError('x', 'text'))).not.toBeInstanceOf(
      InputRejectedError,
    );
  });

  it('rebuilds each typed error on the main thread, with its message and field', () => {
    const device = across(new ExecutionDeviceUnavailableError('INFERENCE_DEVICE=cuda but ...'));
    expect(device).toBeInstanceOf(ExecutionDeviceUnavailableError);
    expect(device.message).toBe('INFERENCE_DEVICE=cuda but ...');

    const notLoaded = across(new ModelNotLoadedError('llm.onnx is missing'));
    expect(notLoaded).toBeInstanceOf(ModelNotLoadedError);
    expect(notLoaded).not.toBeInstanceOf(ExecutionDeviceUnavailableError);

    const rejected = across(new InputRejectedError('instruct has 1201 tokens', 'instruct'));
    expect(rejected).toBeInstanceOf(InputRejectedError);
    expect(rejected).toMatchObject({ message: 'instruct has 1201 tokens', field: 'instruct' });
  });

  it('reports an aborted run as aborted and any other failure as a plain engine error', () => {
    expect(toWorkerError(new InputRejectedError('x'), true).kind).toBe('aborted');
    const other = across(new TypeError('boom'));
    expect(other.constructor).toBe(Error);
    expect(other.message).toBe('boom');
  });
});
