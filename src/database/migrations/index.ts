import { CreateReferenceAudio1764000000000 } from './1764000000000-create-reference-audio.js';
import { AddReferenceAudioName1764100000000 } from './1764100000000-add-reference-audio-name.js';
import { BlobDeletionDueAt1764600000000 } from './1764600000000-blob-deletion-due-at.js';
import { Utf8mb4Tables1765000000000 } from './1765000000000-utf8mb4-tables.js';
import { VoiceNamesCaseInsensitive1765200000000 } from './1765200000000-voice-names-case-insensitive.js';

/** Every schema migration, oldest first. */
export const DATABASE_MIGRATIONS = [
  CreateReferenceAudio1764000000000,
  AddReferenceAudioName1764100000000,
  BlobDeletionDueAt1764600000000,
  Utf8mb4Tables1765000000000,
  VoiceNamesCaseInsensitive1765200000000,
];
