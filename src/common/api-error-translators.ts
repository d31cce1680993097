import type { ApiError } from './api-error.js';

/** Turns one module's error into the ApiError a client sees, or passes (undefined). */
export type ApiErrorTranslator = (error: unknown) => ApiError | undefined;

const translators: ApiErrorTranslator[] = [];

/**
 * Registers how a module's own errors read to a client. A module calls it next to the errors it
 * defines (at load), so `toApiError` knows them without importing any feature module.
 */
export function registerApiErrorTranslator(translate: ApiErrorTranslator): void {
  if (!translators.includes(translate)) translators.push(translate);
}

/** The ApiError the first registered translator that knows `error` makes of it. */
export function translateRegistered(error: unknown): ApiError | undefined {
  for (const translate of translators) {
    const translated = translate(error);
    if (translated) return translated;
  }
  return undefined;
}
