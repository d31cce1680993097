import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { EmbeddingTable } from './embedding-table.js';
import { buildLlmHeadModel } from './llm-head.graph.js';
import { tensorToFloat32 } from '../runtime/onnx-tensors.js';
import type { SessionTimer } from '../runtime/session-timer.js';

/**
 * `llm_decoder` + log-softmax of CosyVoice2 (logits = hidden · Wᵀ + b over the 6564 speech ids),
 * run as a small onnxruntime session on the same execution provider as the pack. Its output
 * always comes back to the CPU: sampling needs it.
 */
export class LlmHead {
  private constructor(
    private readonly session: InferenceSession,
    readonly hiddenSize: number,
  ) {}

  static async create(
    weight: EmbeddingTable,
    bias: Float32Array,
    options: InferenceSession.SessionOptions,
  ): Promise<LlmHead> {
    if (bias.length !== weight.rows) {
      throw new Error(`LLM head: weight has ${weight.rows} rows but bias ${bias.length} values`);
    }
    const session = await InferenceSession.create(buildLlmHeadModel(weight.data, bias), options);
    return new LlmHead(session, weight.cols);
  }

  /**
   * Log-probabilities over the speech vocabulary after the last of the hidden states: a tensor
   * [1, positions, H] as the LLM returned it (on the CPU or, on WebGPU, still on the device), or
   * its rows as plain data.
   */
  async logProbs(states: Float32Array | Tensor, timer: SessionTimer): Promise<Float32Array> {
    const input =
      states instanceof Float32Array
        ? new Tensor('float32', states, [1, states.length / this.hiddenSize, this.hiddenSize])
        : states;
    const outputs = await timer.run(this.session, { states: input });
    return tensorToFloat32(outputs.log_probs);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
