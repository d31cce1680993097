import { TOKEN_MEL_RATIO } from '../cosyvoice2.constants.js';

export interface StreamingScheduleOptions {
  /** First hop (before prompt padding); must equal the flow's training chunk size. */
  hop: number;
  maxHop: number;
  hopGrowth: number;
  /** Look-ahead tokens the flow encoder's pre-lookahead layer consumes. */
  lookahead: number;
}

export const COSYVOICE2_STREAMING: StreamingScheduleOptions = {
  hop: 25,
  maxHop: 100,
  hopGrowth: 2,
  lookahead: 3,
};

/** One token2wav call of a streamed utterance. */
export interface Token2WavChunk {
  /** Generated tokens [0, tokenEnd) go to the flow (look-ahead included). */
  tokenEnd: number;
  /** Mel frames [melStart, melEnd) of the generated part are turned into audio by this chunk. */
  melStart: number;
  melEnd: number;
  final: boolean;
}

/**
 * When to run token2wav while speech tokens stream out of the LLM (official
 * `CosyVoice2Model.tts` stream loop at ace7c47, with the hop reset per utterance): the first hop is
 * 25 tokens plus padding so chunk boundaries fall on multiples of 25 tokens counting the prompt,
 * every chunk waits for 3 look-ahead tokens, and the hop grows 25 → 50 → 100.
 */
export class StreamingTokenSchedule {
  private tokenOffset = 0;
  private hop: number;
  private readonly promptPad: number;

  constructor(
    promptTokens: number,
    private readonly options: StreamingScheduleOptions = COSYVOICE2_STREAMING,
  ) {
    this.hop = options.hop;
    this.promptPad = Math.ceil(promptTokens / options.hop) * options.hop - promptTokens;
  }

  /** Generated tokens already turned into audio. */
  get offset(): number {
    return this.tokenOffset;
  }

  /** The next non-final chunk if `generated` tokens are enough for it, else null. */
  nextChunk(generated: number): Token2WavChunk | null {
    const hop = this.currentHop();
    if (generated - this.tokenOffset < hop + this.options.lookahead) return null;
    const chunk: Token2WavChunk = {
      tokenEnd: this.tokenOffset + hop + this.options.lookahead,
      melStart: this.tokenOffset * TOKEN_MEL_RATIO,
      melEnd: (this.tokenOffset + hop) * TOKEN_MEL_RATIO,
      final: false,
    };
    this.tokenOffset += hop;
    this.hop = Math.min(this.options.maxHop, this.hop * this.options.hopGrowth);
    return chunk;
  }

  /** The last chunk once generation has ended with `generated` tokens (may carry no new mel). */
  finalChunk(generated: number): Token2WavChunk {
    return {
      tokenEnd: generated,
      melStart: this.tokenOffset * TOKEN_MEL_RATIO,
      melEnd: generated * TOKEN_MEL_RATIO,
      final: true,
    };
  }

  private currentHop(): number {
    return this.tokenOffset === 0 ? this.hop + this.promptPad : this.hop;
  }
}
