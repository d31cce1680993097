import { CreateReferenceAudio1764000000000 } from './1764000000000-create-reference-audio.js';

/** Every schema migration, oldest first. */
export const DATABASE_MIGRATIONS = [CreateReferenceAudio1764000000000];
