import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { VoiceFeatures } from '../../inference.types.js';
import { MEL_BINS, TOKEN_MEL_RATIO } from '../cosyvoice2.constants.js';
import { flowEncoderFeeds } from './flow-encoder.feeds.js';
import { solveFlowEuler, type EstimatorBatch } from './flow-matching.solver.js';
import { FlowNoise } from './flow-noise.js';
import { sliceMel, type MelChunk } from '../hift/hift-stream.crossfade.js';
import { tensorToFloat32, type TokenTensorType } from '../runtime/onnx-tensors.js';
import type { DeviceUpload, UploadedInput } from '../runtime/device-upload.js';
import type { SessionTimer } from '../runtime/session-timer.js';

/** What the flow stage needs from the model pack. */
export interface FlowResources {
  /** token, token_len, prompt_token, prompt_token_len, prompt_feat, embedding → mu, mask, spks, cond */
  encoder: InferenceSession;
  /** The official estimator: x, mask, mu, t, spks, cond → velocity (batch 2). */
  estimator: InferenceSession;
  tokenType: TokenTensorType;
  promptTokenType: TokenTensorType;
  /**
   * Trailing tokens whose frames the encoder export trims (0 for the official export, 3 for one
   * that drops the look-ahead tokens; see flow-encoder.probe.ts).
   */
  trimmedTokens: number;
  /**
   * On a GPU device, copies the estimator inputs that stay the same over the Euler steps
   * (`mask`, `mu`, `spks`, `cond`) into device memory once per chunk.
   */
  upload?: DeviceUpload;
}

/** Estimator inputs that are the same on every Euler step of one chunk, with their ranks. */
export const FLOW_STEP_CONSTANTS: readonly UploadedInput[] = [
  { name: 'mask', rank: 3 },
  { name: 'mu', rank: 3 },
  { name: 'spks', rank: 2 },
  { name: 'cond', rank: 3 },
];

/** Releases the device memory of tensors this stage uploaded. */
function disposeOnDevice(tensors: Record<string, Tensor> | undefined): void {
  for (const tensor of Object.values(tensors ?? {})) {
    if (tensor.location === 'gpu-buffer') tensor.dispose();
  }
}

/**
 * Speech tokens → 50 Hz mel: the exported flow encoder (prompt + tokens, upsampled ×2,
 * speaker embedding projected and prompt mel as condition inside the graph), then 10 Euler steps
 * with CFG over the estimator starting from the fixed noise; the prompt frames are dropped. An
 * encoder that trims the look-ahead tokens' frames gets that many more tokens (the last one
 * repeated), so both exports give 2 frames per token.
 */
export class FlowDecoder {
  private readonly noise = FlowNoise.instance();

  constructor(private readonly resources: FlowResources) {}

  /** Mel of the generated tokens only, [80, 2 · tokens.length]. */
  async melFor(
    tokens: Int32Array,
    voice: VoiceFeatures,
    timer: SessionTimer,
    signal?: AbortSignal,
  ): Promise<MelChunk> {
    const { encoder, estimator, trimmedTokens } = this.resources;
    const prompt = voice.speechTokens;
    const fed = new Int32Array(tokens.length + trimmedTokens);
    fed.set(tokens);
    fed.fill(tokens[tokens.length - 1] ?? 0, tokens.length);
    const encoded = await timer.run(
      encoder,
      flowEncoderFeeds(
        {
          tokens: fed,
          promptTokens: prompt,
          promptMel: voice.promptMel,
          promptMelFrames: voice.promptMelFrames,
          speakerEmbedding: voice.speakerEmbedding,
        },
        this.resources,
      ),
    );
    const [muName, maskName, spksName, condName] = encoder.outputNames;
    const mu = encoded[muName];
    const frames = mu.dims[2];
    const expectedFrames = voice.promptMelFrames + TOKEN_MEL_RATIO * tokens.length;
    if (frames !== expectedFrames) {
      throw new Error(
        `flow encoder returned ${frames} mel frames for ${prompt.length} prompt + ${tokens.length} tokens, expected ${expectedFrames}`,
      );
    }

    // The solver fills mask/mu/spks/cond before the first step and never changes them.
    let constants: Record<string, Tensor> | undefined;
    const runEstimator = async (batch: EstimatorBatch): Promise<Float32Array> => {
      constants ??= await this.stepConstants(batch, timer);
      const outputs = await timer.run(estimator, {
        ...constants,
        x: new Tensor('float32', batch.x, [2, MEL_BINS, batch.frames]),
        t: new Tensor('float32', batch.t, [2]),
      });
      return tensorToFloat32(outputs[estimator.outputNames[0]]);
    };

    try {
      const mel = await solveFlowEuler({
        noise: this.noise.firstFrames(frames),
        mu: tensorToFloat32(mu),
        mask: tensorToFloat32(encoded[maskName]),
        spks: tensorToFloat32(encoded[spksName]),
        cond: tensorToFloat32(encoded[condName]),
        frames,
        estimator: runEstimator,
        signal,
      });
      return sliceMel({ data: mel, frames }, voice.promptMelFrames, frames);
    } finally {
      disposeOnDevice(constants);
    }
  }

  /** The step-invariant estimator inputs: in device memory when the device keeps them there. */
  private async stepConstants(
    batch: EstimatorBatch,
    timer: SessionTimer,
  ): Promise<Record<string, Tensor>> {
    const dims3 = [2, MEL_BINS, batch.frames];
    const tensors: Record<string, Tensor> = {
      mask: new Tensor('float32', batch.mask, [2, 1, batch.frames]),
      mu: new Tensor('float32', batch.mu, dims3),
      spks: new Tensor('float32', batch.spks, [2, MEL_BINS]),
      cond: new Tensor('float32', batch.cond, dims3),
    };
    const { upload } = this.resources;
    return upload ? upload.upload(tensors, (session, feeds) => timer.run(session, feeds)) : tensors;
  }
}
