import { describe, expect, it } from 'vitest';
import {
  instructionPromptText,
  llmPromptParts,
} from '../../../src/inference/cosyvoice2/llm/llm-prompt.js';

describe('llmPromptParts', () => {
  it('zero-shot: transcript as prompt text, prompt speech tokens kept', () => {
    expect(llmPromptParts('zero_shot', '希望你以后能够做的比我还好呦。', undefined)).toEqual({
      promptText: '希望你以后能够做的比我还好呦。',
      usePromptSpeech: true,
    });
  });

  it('cross-lingual: no prompt text and no prompt speech tokens', () => {
    expect(llmPromptParts('cross_lingual', 'ignored transcript', 'ignored')).toEqual({
      promptText: '',
      usePromptSpeech: false,
    });
  });

  it('instruct2: the instruction ending in <|endofprompt|>, no prompt speech tokens', () => {
    expect(llmPromptParts('instruct2', 'transcript', '用四川话说这句话')).toEqual({
      promptText: '用四川话说这句话<|endofprompt|>',
      usePromptSpeech: false,
    });
    expect(instructionPromptText('Speak softly.<|endofprompt|>')).toBe(
      'Speak softly.<|endofprompt|>',
    );
    expect(() => llmPromptParts('instruct2', 'transcript', ' ')).toThrow(/instruct/);
  });
});
