/** Why a synthesis stops when its handle is closed before the end (its reader is done with it). */
export class SynthesisClosedError extends Error {
  constructor() {
    super('the synthesis was closed before its end');
    this.name = 'SynthesisClosedError';
  }
}
