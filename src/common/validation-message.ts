import type { ValidationError } from 'class-validator';

/**
 * The message of a failed DTO check, the same whatever transport carried the DTO: the message of
 * every broken constraint, nested objects included, in order, each once, joined by '; '. The messages name
 * the field as the wire does (`speed must be a number from 0.5 to 2`), without the path to it, which
 * differs between transports (`input.` in REST, `payload.parameters.` in a WebSocket run-task).
 */
export function validationMessage(errors: readonly ValidationError[]): string {
  return [...new Set(errors.flatMap(constraintMessages))].join('; ');
}

function constraintMessages(error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {});
  return [...own, ...(error.children ?? []).flatMap(constraintMessages)];
}

/**
 * The field of the first broken constraint, as the wire names it (the innermost property: `text`
 * for REST `input.text`), or undefined when there is none.
 */
export function validationField(errors: readonly ValidationError[]): string | undefined {
  for (const error of errors) {
    if (Object.keys(error.constraints ?? {}).length > 0) return error.property;
    const nested = validationField(error.children ?? []);
    if (nested !== undefined) return nested;
  }
  return undefined;
}
