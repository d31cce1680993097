import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields added to every log line written while some work runs: `reqId` (the HTTP request id,
 * or the id of a WebSocket connection) and `taskId` (a WebSocket duplex task).
 */
export interface LogBindings {
  reqId?: string;
  taskId?: string;
}

const bindings = new AsyncLocalStorage<LogBindings>();

/** Runs `work` (and everything it starts asynchronously) with `added` on its log lines. */
export function runWithLogBindings<T>(added: LogBindings, work: () => T): T {
  return bindings.run({ ...bindings.getStore(), ...added }, work);
}

/** The bindings of the work running now; empty outside any. */
export function currentLogBindings(): LogBindings {
  return bindings.getStore() ?? {};
}
