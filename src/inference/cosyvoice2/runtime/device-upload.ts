import { InferenceSession, type Tensor } from 'onnxruntime-node';
import type { DeviceSettings } from './execution-device.js';
import { sessionOptionsFor } from './execution-device.js';
import { bytesField, floatValueInfo, modelOf, node, stringField } from './onnx-model.writer.js';

/** A float input of the upload graph: its name and rank (every dimension is symbolic). */
export interface UploadedInput {
  name: string;
  rank: number;
}

/** An Identity per input; on the device, each output is the input's copy in device memory. */
function buildUploadModel(inputs: readonly UploadedInput[]): Uint8Array {
  const dims = (input: UploadedInput) =>
    Array.from({ length: input.rank }, (_, axis) => `${input.name}_${axis}`);
  return modelOf([
    ...inputs.map((input) =>
      bytesField(1, node('Identity', [input.name], [`${input.name}_on_device`])),
    ),
    stringField(2, 'cosyvoice2_device_upload'),
    ...inputs.map((input) => bytesField(11, floatValueInfo(input.name, dims(input)))),
    ...inputs.map((input) =>
      bytesField(12, floatValueInfo(`${input.name}_on_device`, dims(input))),
    ),
  ]);
}

/**
 * Copies tensors into GPU memory once, so that a graph run many times with the same inputs (the
 * flow estimator's 10 Euler steps over `mu`, `cond`, `spks`, `mask`) does not upload them on
 * every run: onnxruntime-node has no call that creates a GPU tensor from data, but a session
 * whose outputs stay on the device (`gpu-buffer`) gives one. The caller owns the returned
 * tensors and must `dispose()` them.
 */
export class DeviceUpload {
  private constructor(private readonly session: InferenceSession) {}

  static async create(
    settings: DeviceSettings,
    inputs: readonly UploadedInput[],
  ): Promise<DeviceUpload> {
    const session = await InferenceSession.create(
      buildUploadModel(inputs),
      sessionOptionsFor(settings, 'gpu-buffer'),
    );
    return new DeviceUpload(session);
  }

  /** The same tensors, in device memory, by input name. */
  async upload(
    feeds: Record<string, Tensor>,
    run: (
      session: InferenceSession,
      feeds: InferenceSession.FeedsType,
    ) => Promise<InferenceSession.ReturnType>,
  ): Promise<Record<string, Tensor>> {
    const outputs = await run(this.session, feeds);
    return Object.fromEntries(
      Object.keys(feeds).map((name) => [name, outputs[`${name}_on_device`]]),
    );
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
