import type { SynthesisMode } from '../../inference.types.js';
import { END_OF_PROMPT_TEXT } from '../cosyvoice2.constants.js';

/** What a mode puts in front of the target text in the LLM input (internals §3.2). */
export interface LlmPromptParts {
  /** Text placed before the target text: transcript, instruction, or nothing. */
  promptText: string;
  /** Whether the prompt speech tokens follow task_id in the LLM input. */
  usePromptSpeech: boolean;
}

/** The instruction as instruct2 expects it: ending with `<|endofprompt|>` (appended if missing). */
export function instructionPromptText(instruct: string): string {
  return instruct.includes(END_OF_PROMPT_TEXT) ? instruct : `${instruct}${END_OF_PROMPT_TEXT}`;
}

/**
 * - fast_replication (zero-shot): [sos, prompt_text + text, task_id, prompt speech tokens]
 * - cross_lingual_replication: [sos, text, task_id]
 * - natural_language_replication (instruct2): [sos, instruct<|endofprompt|> + text, task_id]
 * The flow receives the prompt tokens, prompt mel and speaker embedding in every mode.
 */
export function llmPromptParts(
  mode: SynthesisMode,
  normalizedPromptText: string,
  instruct: string | undefined,
): LlmPromptParts {
  switch (mode) {
    case 'fast_replication':
      return { promptText: normalizedPromptText, usePromptSpeech: true };
    case 'cross_lingual_replication':
      return { promptText: '', usePromptSpeech: false };
    case 'natural_language_replication':
      if (!instruct || instruct.trim() === '') {
        throw new Error('natural_language_replication needs an instruct text');
      }
      return { promptText: instructionPromptText(instruct), usePromptSpeech: false };
  }
}
