import {
  hasSpeakableText,
  PROMPT_STRUCTURE_TOKENS,
  promptTokensIn,
  withoutInvisible,
} from '../inference/text/speakable-text.js';

/** Every transport leaves these out of a text before it is counted or spoken. */
export { hasSpeakableText, withoutInvisible };

/** Why a text is refused by the rules of this file: a label of the refusal metric. */
export type TextRefusal = 'no_speakable_text' | 'prompt_tokens';

/** A refused text: the label of its metric and the message the client gets. */
export interface TextProblem {
  reason: TextRefusal;
  message: string;
}

/**
 * The message for a text that holds nothing to speak. The same on every transport (a WebSocket
 * task's text is judged whole at finish-task).
 */
export const NOTHING_TO_SPEAK_MESSAGE =
  'the text holds nothing to speak: it needs at least one letter or digit (punctuation, ' +
  'emoji, invisible characters and control tokens such as [breath] alone are not spoken)';

function promptTokens(field: string, tokens: readonly string[]): TextProblem {
  return {
    reason: 'prompt_tokens',
    message:
      `the ${field} holds ${tokens.join(', ')}, which would break the model's prompt: <|…|> ` +
      `tokens (${PROMPT_STRUCTURE_TOKENS.join(', ')}, language tags) are refused; control ` +
      'tokens such as [breath], [laughter] and <strong>…</strong> are accepted',
  };
}

/**
 * What is wrong with a text, or one piece of a text, before anything is spoken: `<|…|>` tokens
 * (the prompt's own tokens, language tags). Whether it has anything to speak is a rule of the
 * whole text (wholeTextProblem).
 */
export function textPieceProblem(text: string): TextProblem | undefined {
  const tokens = promptTokensIn(text);
  return tokens.length > 0 ? promptTokens('text', tokens) : undefined;
}

/** What is wrong with a whole text, or undefined when it can be spoken. */
export function wholeTextProblem(text: string): TextProblem | undefined {
  return (
    textPieceProblem(text) ??
    (hasSpeakableText(text)
      ? undefined
      : { reason: 'no_speakable_text', message: NOTHING_TO_SPEAK_MESSAGE })
  );
}

/**
 * What is wrong with an instruction: `<|…|>` tokens other than the one `<|endofprompt|>` that
 * may end it (the official examples end their instructions with it).
 */
export function instructionProblem(instruct: string): TextProblem | undefined {
  const body = withoutInvisible(instruct)
    .trimEnd()
    .replace(/<\|endofprompt\|>$/, '');
  const tokens = promptTokensIn(body);
  return tokens.length > 0 ? promptTokens('instruction', tokens) : undefined;
}
