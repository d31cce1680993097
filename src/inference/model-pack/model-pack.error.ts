import { ModelNotLoadedError } from '../inference.provider.js';

/** The model pack is missing, incomplete or does not match the graph contract. */
export class ModelPackError extends ModelNotLoadedError {
  override name = 'ModelPackError';

  /** @param file the pack file at fault, relative to MODEL_DIR, when there is one. */
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}
