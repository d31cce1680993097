import { Logger } from '@nestjs/common';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelPackError } from '../../model-pack/model-pack.error.js';
import { MEL_BINS, TOKEN_MEL_RATIO } from '../cosyvoice2.constants.js';
import { flowEncoderFeeds, type FlowEncoderTokenTypes } from './flow-encoder.feeds.js';
import { COSYVOICE2_STREAMING } from '../token2wav/streaming-token2wav.schedule.js';

const PROBE_PROMPT_TOKENS = 4;
const PROBE_TOKENS = 8;
const SPEAKER_EMBEDDING_SIZE = 192;

const logger = new Logger('FlowEncoderProbe');

/**
 * Asks the flow encoder once, at load, how many mel frames it returns. The official export gives
 * 2·(prompt + tokens) frames; an export of the streaming variant trims the frames of the last
 * 3 (look-ahead) tokens and gives 2·(prompt + tokens − 3). Returns how many trailing tokens the
 * graph trims (0 or 3); throws a ModelPackError naming the file for any other count, or when
 * mask, spks or cond do not hold one value per frame / 80 bins.
 */
export async function probeFlowEncoderTrimmedTokens(
  encoder: InferenceSession,
  file: string,
  types: FlowEncoderTokenTypes,
): Promise<number> {
  const promptFrames = TOKEN_MEL_RATIO * PROBE_PROMPT_TOKENS;
  const outputs = await encoder
    .run(
      flowEncoderFeeds(
        {
          tokens: new Int32Array(PROBE_TOKENS),
          promptTokens: new Int32Array(PROBE_PROMPT_TOKENS),
          promptMel: new Float32Array(promptFrames * MEL_BINS),
          promptMelFrames: promptFrames,
          speakerEmbedding: new Float32Array(SPEAKER_EMBEDDING_SIZE).fill(0.1),
        },
        types,
      ),
    )
    .catch((error: unknown) => {
      throw new ModelPackError(
        `${file}: a probe call with ${PROBE_PROMPT_TOKENS} prompt + ${PROBE_TOKENS} tokens failed (${(error as Error).message})`,
        file,
      );
    });
  const [muName, maskName, spksName, condName] = encoder.outputNames;
  const frames = outputs[muName].dims[2];
  const lookahead = COSYVOICE2_STREAMING.lookahead;
  const full = TOKEN_MEL_RATIO * (PROBE_PROMPT_TOKENS + PROBE_TOKENS);
  const trimmed = TOKEN_MEL_RATIO * (PROBE_PROMPT_TOKENS + PROBE_TOKENS - lookahead);
  if (frames !== full && frames !== trimmed) {
    throw new ModelPackError(
      `${file}: returns ${frames} mel frames for ${PROBE_PROMPT_TOKENS} prompt + ${PROBE_TOKENS} tokens; ` +
        `the engine needs ${full} (2·(prompt + tokens)) or ${trimmed} (the ${lookahead} look-ahead tokens trimmed)`,
      file,
    );
  }
  const sizes: [string, number, number][] = [
    [maskName, outputs[maskName].size, frames],
    [spksName, outputs[spksName].size, MEL_BINS],
    [condName, outputs[condName].size, MEL_BINS * frames],
  ];
  for (const [name, size, needed] of sizes) {
    if (size !== needed) {
      throw new ModelPackError(
        `${file}: output '${name}' holds ${size} values for ${frames} frames; the engine needs ${needed}`,
        file,
      );
    }
  }
  if (frames === full) return 0;
  logger.log(
    `${file} trims the ${lookahead} look-ahead tokens: each call gets ${lookahead} more (the last token repeated)`,
  );
  return lookahead;
}
