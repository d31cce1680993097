import type { EngineMode } from '../../inference.types.js';
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
 * - zero_shot: [sos, prompt_text + text, task_id, prompt speech tokens]
 * - cross_lingual: [sos, text, task_id]
 * - instruct2: [sos, instruct<|endofprompt|> + text, task_id]
 * The flow receives the prompt tokens, prompt mel and speaker embedding in every mode.
 */
export function llmPromptParts(
  mode: EngineMode,
  normalizedPromptText: string,
  instruct: string | undefined,
): LlmPromptParts {
  switch (mode) {
    case 'zero_shot':
      return { promptText: normalizedPromptText, usePromptSpeech: true };
    case 'cross_lingual':
      return { promptText: '', usePromptSpeech: false };
    case 'instruct2':
      if (!instruct || instruct.trim() === '') {
        throw new Error('instruct2 needs an instruct text');
      }
      return { promptText: instructionPromptText(instruct), usePromptSpeech: false };
  }
}
