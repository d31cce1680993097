import { Tensor } from 'onnxruntime-node';
import { MEL_BINS } from '../cosyvoice2.constants.js';
import { tokenTensor, type TokenTensorType } from '../runtime/onnx-tensors.js';

/** What the flow encoder is fed: the tokens to render and the voice's prompt. */
export interface FlowEncoderInput {
  tokens: ArrayLike<number>;
  promptTokens: ArrayLike<number>;
  /** Row-major [frames, 80]. */
  promptMel: Float32Array;
  promptMelFrames: number;
  speakerEmbedding: Float32Array;
}

export interface FlowEncoderTokenTypes {
  tokenType: TokenTensorType;
  promptTokenType: TokenTensorType;
}

/** The six named inputs of the exported flow encoder. */
export function flowEncoderFeeds(
  input: FlowEncoderInput,
  types: FlowEncoderTokenTypes,
): Record<string, Tensor> {
  const { tokens, promptTokens, promptMel, promptMelFrames, speakerEmbedding } = input;
  return {
    token: tokenTensor(tokens, types.tokenType, [1, tokens.length]),
    token_len: new Tensor('int32', Int32Array.of(tokens.length), [1]),
    prompt_token: tokenTensor(promptTokens, types.promptTokenType, [1, promptTokens.length]),
    prompt_token_len: new Tensor('int32', Int32Array.of(promptTokens.length), [1]),
    prompt_feat: new Tensor('float32', promptMel, [1, promptMelFrames, MEL_BINS]),
    embedding: new Tensor('float32', speakerEmbedding, [1, speakerEmbedding.length]),
  };
}
