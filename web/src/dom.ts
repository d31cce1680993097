import { ApiFailure } from './api-client.js';
import { describeError } from './i18n.js';

/** The element with this id, checked to be of the expected kind. */
export function element<T extends HTMLElement>(id: string, kind: { new (): T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) {
    throw new Error(`#${id} is missing or not a ${kind.name}`);
  }
  return found;
}

/** An error of any kind, in words, for the page. */
export function errorText(error: unknown): string {
  if (error instanceof ApiFailure) {
    return describeError(error.code, error.message);
  }
  return describeError('InternalError', error instanceof Error ? error.message : String(error));
}

export function seconds(value: number, digits = 2): string {
  return value.toFixed(digits);
}
