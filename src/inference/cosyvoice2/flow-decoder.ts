import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { VoiceFeatures } from '../inference.types.js';
import { MEL_BINS, TOKEN_MEL_RATIO } from './cosyvoice2.constants.js';
import { solveFlowEuler, type EstimatorBatch } from './flow-matching.solver.js';
import { FlowNoise } from './flow-noise.js';
import { sliceMel, type MelChunk } from './hift-stream.crossfade.js';
import { tensorToFloat32, tokenTensor, type TokenTensorType } from './onnx-tensors.js';
import type { SessionTimer } from './session-timer.js';

/** What the flow stage needs from the model pack. */
export interface FlowResources {
  /** token, token_len, prompt_token, prompt_token_len, prompt_feat, embedding → mu, mask, spks, cond */
  encoder: InferenceSession;
  /** The official estimator: x, mask, mu, t, spks, cond → estimator_out (batch 2). */
  estimator: InferenceSession;
  tokenType: TokenTensorType;
  promptTokenType: TokenTensorType;
}

/**
 * Speech tokens → 50 Hz mel: the exported flow encoder (prompt + tokens, upsampled ×2,
 * speaker embedding projected and prompt mel as condition inside the graph), then 10 Euler steps
 * with CFG over the estimator starting from the fixed noise; the prompt frames are dropped.
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
    const { encoder, estimator, tokenType, promptTokenType } = this.resources;
    const prompt = voice.speechTokens;
    const encoded = await timer.run(encoder, {
      token: tokenTensor(tokens, tokenType, [1, tokens.length]),
      token_len: new Tensor('int32', Int32Array.of(tokens.length), [1]),
      prompt_token: tokenTensor(prompt, promptTokenType, [1, prompt.length]),
      prompt_token_len: new Tensor('int32', Int32Array.of(prompt.length), [1]),
      prompt_feat: new Tensor('float32', voice.promptMel, [1, voice.promptMelFrames, MEL_BINS]),
      embedding: new Tensor('float32', voice.speakerEmbedding, [1, voice.speakerEmbedding.length]),
    });
    const [muName, maskName, spksName, condName] = encoder.outputNames;
    const mu = encoded[muName];
    const frames = mu.dims[2];
    const expectedFrames = voice.promptMelFrames + TOKEN_MEL_RATIO * tokens.length;
    if (frames !== expectedFrames) {
      throw new Error(
        `flow encoder returned ${frames} mel frames for ${prompt.length} prompt + ${tokens.length} tokens, expected ${expectedFrames}`,
      );
    }

    const runEstimator = async (batch: EstimatorBatch): Promise<Float32Array> => {
      const dims3 = [2, MEL_BINS, batch.frames];
      const outputs = await timer.run(estimator, {
        x: new Tensor('float32', batch.x, dims3),
        mask: new Tensor('float32', batch.mask, [2, 1, batch.frames]),
        mu: new Tensor('float32', batch.mu, dims3),
        t: new Tensor('float32', batch.t, [2]),
        spks: new Tensor('float32', batch.spks, [2, MEL_BINS]),
        cond: new Tensor('float32', batch.cond, dims3),
      });
      return tensorToFloat32(outputs[estimator.outputNames[0]]);
    };

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
  }
}
