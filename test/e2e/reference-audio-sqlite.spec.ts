import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReferenceAudioApi } from './reference-audio.suite.js';

describeReferenceAudioApi('an embedded SQLite file in a directory that does not exist yet', () => ({
  DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'cosyvoice-sqlite-')), 'a', 'b', 'test.db')}`,
}));
