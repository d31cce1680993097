import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { EmbeddingTable } from './embedding-table.js';
import { buildLlmHeadModel } from './llm-head.graph.js';
import { tensorToFloat32 } from '../runtime/onnx-tensors.js';
import type { SessionTimer } from '../runtime/session-timer.js';

/**
 * `llm_decoder` + log-softmax of CosyVoice2 (logits = hidden · Wᵀ + b over the 6564 speech ids),
 * run as a small onnxruntime session on the same execution provider as the pack.
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

  /** Log-probabilities over the speech vocabulary for one hidden state. */
  async logProbs(hidden: Float32Array, timer: SessionTimer): Promise<Float32Array> {
    const outputs = await timer.run(this.session, {
      hidden: new Tensor('float32', hidden, [1, this.hiddenSize]),
    });
    return tensorToFloat32(outputs.log_probs);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
