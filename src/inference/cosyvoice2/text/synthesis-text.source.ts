import { abortable } from './abortable-iterable.js';
import { IncrementalTextSplitter } from '../../text/incremental-text-splitter.js';
import type { TextFrontend } from '../../text/text-frontend.js';
import { checkUtteranceTextTokens } from './prompt-text.limits.js';

/**
 * The text of a request as the engine consumes it: normalised segments in order, whether the
 * text is one string or arrives in pieces. Pieces go through an IncrementalTextSplitter, and each
 * completed sentence is normalised and synthesised as soon as it is complete (sentence-level
 * streaming). For the bistream LLM schedule, `pieceIds` gives the raw ids of each piece instead.
 */
export class SynthesisTextSource {
  constructor(private readonly frontend: TextFrontend) {}

  /** The normalised transcript of the reference audio. */
  prompt(text: string): string {
    return this.frontend.preparePromptText(text);
  }

  encode(text: string): Int32Array {
    return this.frontend.encode(text);
  }

  /**
   * Normalised segments in order; waiting for a text piece ends as soon as `signal` aborts. A
   * segment over MAX_UTTERANCE_TEXT_TOKENS is an InputRejectedError; for a whole text every
   * segment is checked before the first is given out.
   */
  async *segments(
    text: string | AsyncIterable<string>,
    signal?: AbortSignal,
  ): AsyncGenerator<string> {
    if (typeof text === 'string') {
      yield* this.checkedSegments(text);
      return;
    }
    const splitter = new IncrementalTextSplitter();
    for await (const piece of abortable(text, signal)) {
      for (const sentence of splitter.push(piece)) yield* this.checkedSegments(sentence);
    }
    for (const sentence of splitter.flush()) yield* this.checkedSegments(sentence);
  }

  private checkedSegments(text: string): string[] {
    const segments = this.frontend.prepareTargetText(text);
    for (const segment of segments) checkUtteranceTextTokens(this.frontend.countTokens(segment));
    return segments;
  }

  /**
   * BPE ids of each text piece as it arrives, tokenised on its own (merges never cross piece
   * boundaries) and not normalised, as the official bistream frontend does; empty pieces give
   * nothing. Waiting for a piece ends as soon as `signal` aborts.
   */
  async *pieceIds(text: AsyncIterable<string>, signal?: AbortSignal): AsyncGenerator<Int32Array> {
    for await (const piece of abortable(text, signal)) {
      const ids = this.frontend.encode(piece);
      if (ids.length > 0) yield ids;
    }
  }
}
