import type { InferenceConfig } from '../../../config/app-config.js';
import type { LoadedModelPack } from '../../model-pack/model-pack.types.js';
import { TextFrontend } from '../../text/text-frontend.js';
import { TextTokenizer } from '../../text/text-tokenizer.js';
import { CosyVoice2Synthesizer } from '../cosyvoice2.synthesizer.js';
import type { EmbeddingTable } from '../llm/embedding-table.js';
import { FLOW_STEP_CONSTANTS, FlowDecoder } from '../flow/flow-decoder.js';
import { probeFlowEncoderTrimmedTokens } from '../flow/flow-encoder.probe.js';
import { HiftVocoder } from '../hift/hift-vocoder.js';
import { BistreamLlmDecoder } from '../llm/bistream-llm.decoder.js';
import { LlmDecoder } from '../llm/llm-decoder.js';
import type { LlmResources } from '../llm/llm-resources.js';
import { LlmHead } from '../llm/llm-head.js';
import { SynthesisTextSource } from '../text/synthesis-text.source.js';
import { TokenToWav } from '../token2wav/token-to-wav.js';
import { VoiceFeatureExtractor } from '../voice-feature.extractor.js';
import { DeviceUpload } from './device-upload.js';
import { keepsOutputsOnDevice, sessionOptionsFor } from './execution-device.js';

/** The engine stages built over one loaded model pack. */
export interface EngineRuntime {
  pack: LoadedModelPack;
  /** Releases every session (the pack's and the engine's own). */
  release(): Promise<void>;
  llm: LlmDecoder;
  /** What the LLM decoders run on (sessions, tables, head): for tests and benchmarks. */
  llmResources: LlmResources;
  flow: FlowDecoder;
  tokenToWav: TokenToWav;
  voiceFeatures: VoiceFeatureExtractor;
  synthesizer: CosyVoice2Synthesizer;
}

function table(source: { data: Float32Array; shape: number[] }): EmbeddingTable {
  const [rows, cols = 1] = source.shape;
  return { data: source.data, rows, cols };
}

/** Builds every engine stage over the sessions and tables of a loaded pack. */
export async function buildEngineRuntime(
  pack: LoadedModelPack,
  config: InferenceConfig,
): Promise<EngineRuntime> {
  const { sessions, tables, dims, tokenDtypes } = pack;
  const head = await LlmHead.create(
    table(tables.llmDecoderWeight),
    tables.llmDecoderBias.data,
    sessionOptionsFor(config),
  );
  const llmResources: LlmResources = {
    llm: sessions.llm,
    embedTokens: sessions.embedTokens,
    embedTokensIdType: tokenDtypes.textIds,
    speechEmbedding: table(tables.speechEmbedding),
    llmEmbedding: table(tables.llmEmbedding),
    head,
    layers: dims.numLayers,
    kvHeads: dims.kvHeads,
    headDim: dims.headDim,
  };
  const llm = new LlmDecoder(llmResources);
  const flowTokenTypes = {
    tokenType: tokenDtypes.flowToken,
    promptTokenType: tokenDtypes.flowPromptToken,
  };
  const trimmedTokens = await probeFlowEncoderTrimmedTokens(
    sessions.flowEncoder,
    pack.manifest.roles.flowEncoder.file,
    flowTokenTypes,
  ).catch(async (error: unknown) => {
    await head.release();
    throw error;
  });
  const upload = keepsOutputsOnDevice(config.device)
    ? await DeviceUpload.create(config, FLOW_STEP_CONSTANTS).catch(async (error: unknown) => {
        await head.release();
        throw error;
      })
    : undefined;
  const flow = new FlowDecoder({
    encoder: sessions.flowEncoder,
    estimator: sessions.flowEstimator,
    ...flowTokenTypes,
    trimmedTokens,
    upload,
  });
  const frontend = new TextFrontend(new TextTokenizer(pack.tokenizerJson));
  const tokenToWav = new TokenToWav(flow, new HiftVocoder(sessions.hift));
  return {
    pack,
    release: async () => {
      await head.release();
      await upload?.release();
      await pack.release();
    },
    llm,
    llmResources,
    flow,
    tokenToWav,
    voiceFeatures: new VoiceFeatureExtractor({
      campplus: sessions.campplus,
      speechTokenizer: sessions.speechTokenizer,
    }),
    synthesizer: new CosyVoice2Synthesizer(
      new SynthesisTextSource(frontend),
      llm,
      new BistreamLlmDecoder(llmResources),
      tokenToWav,
      config.textStreamMode ?? 'sentence',
    ),
  };
}
