import { gatherRows } from '../../src/inference/cosyvoice2/llm/embedding-table.js';
import { LlmCacheSession } from '../../src/inference/cosyvoice2/llm/llm-cache.session.js';
import type { EngineRuntime } from '../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';

/** Bytes between JavaScript and the device: per generated token and per flow chunk. */
export interface HostTransferFigures {
  device: string;
  /** Cached positions when the per-token figure was taken. */
  cachedPositions: number;
  tokenFedBytes: number;
  tokenReturnedBytes: number;
  /** Speech tokens of the flow chunk (with the voice's prompt frames before them). */
  chunkTokens: number;
  chunkFedBytes: number;
  chunkReturnedBytes: number;
}

/**
 * Counts, on one runtime, the bytes fed and returned by one LLM decode step after `positions`
 * cached positions, and by one flow chunk of `chunkTokens` tokens (encoder + 10 Euler steps).
 */
export async function measureHostTransfer(
  runtime: EngineRuntime,
  voice: VoiceFeatures,
  positions: number,
  chunkTokens: number,
): Promise<HostTransferFigures> {
  const resources = runtime.llmResources;
  const hidden = resources.llmEmbedding.cols;
  const timer = new SessionTimer();
  const session = new LlmCacheSession(resources, timer);
  let token: { fedBytes: number; returnedBytes: number };
  try {
    await session.append(new Float32Array(positions * hidden).fill(0.01));
    const before = timer.hostTransfer();
    await session.append(gatherRows(resources.speechEmbedding, [42]));
    const after = timer.hostTransfer();
    token = {
      fedBytes: after.fedBytes - before.fedBytes,
      returnedBytes: after.returnedBytes - before.returnedBytes,
    };
  } finally {
    session.release();
  }
  const flowTimer = new SessionTimer();
  const tokens = Int32Array.from({ length: chunkTokens }, (_, i) => (i * 97) % 6561);
  await runtime.flow.melFor(tokens, voice, flowTimer);
  const chunk = flowTimer.hostTransfer();
  return {
    device: runtime.pack.device,
    cachedPositions: positions,
    tokenFedBytes: token.fedBytes,
    tokenReturnedBytes: token.returnedBytes,
    chunkTokens,
    chunkFedBytes: chunk.fedBytes,
    chunkReturnedBytes: chunk.returnedBytes,
  };
}
