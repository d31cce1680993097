// The task function of a piscina worker pool when the service runs from its TypeScript sources
// (tests, tsx scripts): registers tsx in this thread, then hands on the default export of the
// entry named in the pool's workerData. Compiled builds give piscina the dist/ JavaScript file
// directly and never load this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'piscina';

register();
const entry = await import(workerData.entry);
export default entry.default;
