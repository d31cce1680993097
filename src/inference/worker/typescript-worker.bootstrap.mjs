// Starts a worker thread from TypeScript sources (tests, tsx scripts): registers tsx in this
// thread, then imports the entry named in workerData. Compiled builds start dist/ JavaScript
// directly and never load this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
