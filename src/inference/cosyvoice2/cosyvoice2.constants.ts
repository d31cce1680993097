import { PROMPT_MEL_BINS } from '../inference.types.js';

/** Model numbers of CosyVoice2-0.5B (see the internals report; official repository at ace7c47). */

/** Speech tokens are 0..6560; the next id, 6561, is EOS. */
export const EOS_TOKEN = 6561;
/** Any of these ends generation (6562/6563 are never masked). */
export const STOP_TOKENS: ReadonlySet<number> = new Set([6561, 6562, 6563]);
/** Bistream: the LLM asks for more text with this token (internals §3.6). */
export const FILL_TOKEN = 6563;
/** Bistream `mix_ratio`: groups of 5 text embeddings and 15 speech embeddings. */
export const BISTREAM_TEXT_GROUP = 5;
export const BISTREAM_SPEECH_GROUP = 15;

/** Rows of `llm_embedding`. */
export const SOS_EMBEDDING_ROW = 0;
export const TASK_ID_EMBEDDING_ROW = 1;

/** Text token `<|endofprompt|>` that closes an instruct2 instruction. */
export const END_OF_PROMPT_TEXT = '<|endofprompt|>';

/** min/max speech tokens per target text token. */
export const MIN_TOKEN_TEXT_RATIO = 2;
export const MAX_TOKEN_TEXT_RATIO = 20;

/** Mel bins of the flow and HiFT: those of the contract's prompt mel. */
export const MEL_BINS = PROMPT_MEL_BINS;
export const TOKEN_MEL_RATIO = 2;
export const SAMPLES_PER_MEL_FRAME = 480;
export const AUDIO_LIMIT = 0.99;

/** Longest prompt the speech tokenizer accepts, in seconds. */
export const MAX_PROMPT_SECONDS = 30;
/** Speech tokens per second of audio (speech_tokenizer_v2). */
export const SPEECH_TOKENS_PER_SECOND = 25;
