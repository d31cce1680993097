import { beforeAll, describe, expect, it } from 'vitest';
import { CosyVoice2Engine } from '../../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { probeFlowEncoderTrimmedTokens } from '../../../src/inference/cosyvoice2/flow/flow-encoder.probe.js';
import type { SynthesisInput } from '../../../src/inference/inference.types.js';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import { loadCpuEngine } from '../../support/cpu-engine.js';
import { collectSamples } from '../../support/engine-spies.js';
import { prepareTinyPackVariant } from '../../support/graph-variants.js';
import { concatFloat32 } from '../../support/signal-measures.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

const FLOW_ENCODER = 'CosyVoice2-0.5B_flow_encoder.onnx';
const cpu = (modelDir: string) => ({ modelDir, device: 'cpu' as const, threads: 1 });
/** Long enough for a streamed chunk of 25 tokens and a final one. */
const TEXT =
  'The quick brown fox jumps over the lazy dog, and then it runs far away into the green forest.';

async function probe(dir: string): Promise<number> {
  const pack = await loadModelPack(cpu(dir));
  try {
    return await probeFlowEncoderTrimmedTokens(pack.sessions.flowEncoder, FLOW_ENCODER, {
      tokenType: pack.tokenDtypes.flowToken,
      promptTokenType: pack.tokenDtypes.flowPromptToken,
    });
  } finally {
    await pack.release();
  }
}

/** Sample counts of the chunks of one seeded synthesis, whole and streamed. */
async function chunkLengths(dir: string): Promise<{ whole: number[]; streamed: number[] }> {
  const { engine, voice } = await loadCpuEngine(dir);
  try {
    const run = async (stream: boolean) => {
      const input: SynthesisInput = {
        mode: 'cross_lingual',
        text: TEXT,
        promptText: '',
        voice,
        speed: 1,
        stream,
        seed: 11,
      };
      const chunks = await collectSamples(engine.synthesize(input));
      expect(concatFloat32(chunks).every(Number.isFinite)).toBe(true);
      return chunks.map((chunk) => chunk.length);
    };
    return { whole: await run(false), streamed: await run(true) };
  } finally {
    await engine.onApplicationShutdown();
  }
}

describe('the flow encoder frame convention, detected at load', () => {
  let official: { whole: number[]; streamed: number[] };

  beforeAll(async () => {
    official = await chunkLengths(await prepareTinyPack());
  });

  it('the official export returns 2·(prompt + tokens) frames: nothing is trimmed', async () => {
    expect(await probe(await prepareTinyPack())).toBe(0);
    expect(official.streamed.length).toBeGreaterThanOrEqual(2);
  });

  it('an export that trims the 3 look-ahead tokens is detected and speaks with the same lengths, whole and streamed', async () => {
    const dir = await prepareTinyPackVariant('flow-encoder-trimmed');
    expect(await probe(dir)).toBe(3);
    expect(await chunkLengths(dir)).toEqual(official);
  });

  it('any other frame count is refused at load, naming the file', async () => {
    const dir = await prepareTinyPackVariant('flow-encoder-short-2');
    const engine = new CosyVoice2Engine(cpu(dir));
    await engine.load();
    expect(engine.status()).toMatchObject({
      loaded: false,
      error:
        `${FLOW_ENCODER}: returns 22 mel frames for 4 prompt + 8 tokens; the engine needs 24 ` +
        '(2·(prompt + tokens)) or 18 (the 3 look-ahead tokens trimmed)',
    });
  });
});
