import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';

/**
 * Seconds of speech per character at speed 1, used to estimate the length of an answer before
 * it is synthesised (the real length is known only when the LLM stops): about 4 Chinese,
 * Japanese or Korean characters per second, and 14 other characters per second (English speech,
 * spaces and punctuation included). Both are on the slow side of normal speech, so a text the
 * estimate admits rarely passes the limit while it is spoken.
 */
export const SECONDS_PER_WIDE_CHARACTER = 0.25;
export const SECONDS_PER_OTHER_CHARACTER = 0.07;

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * The estimated seconds of speech of `text` at `speed`: (wide characters × 0.25 + other
 * characters × 0.07) / speed, characters counted as code points.
 */
export function estimatedSpeechSeconds(text: string, speed: number): number {
  let seconds = 0;
  for (const character of text) {
    seconds += WIDE.test(character) ? SECONDS_PER_WIDE_CHARACTER : SECONDS_PER_OTHER_CHARACTER;
  }
  return seconds / speed;
}

/** 400 before synthesis: the estimate of a whole-file answer is over MAX_WHOLE_ANSWER_SECONDS. */
export function wholeAnswerTooLong(estimatedSeconds: number, limitSeconds: number): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    'InvalidParameter',
    `the answer would hold about ${Math.ceil(estimatedSeconds)} s of audio (estimated from the ` +
      `text's length and the speed); an answer sent as one file holds at most ${limitSeconds} s ` +
      '(MAX_WHOLE_ANSWER_SECONDS): stream it (stream: true, or stream_format: "sse") or split the text',
  );
}

/** 400 while synthesising: the audio of a whole-file answer passed MAX_WHOLE_ANSWER_SECONDS. */
export function wholeAnswerOverLimit(limitSeconds: number): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    'InvalidParameter',
    `the audio passed ${limitSeconds} s, the most an answer sent as one file holds ` +
      '(MAX_WHOLE_ANSWER_SECONDS): stream it (stream: true, or stream_format: "sse") or split the text',
  );
}
