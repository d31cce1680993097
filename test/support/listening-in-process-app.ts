import type { CreateAppOptions } from '../../src/app.factory.js';
import { startInProcessApp, type InProcessApp } from './in-process-app.js';

/**
 * An in-process app (fake engine, in-memory SQLite; test/support/in-process-app.ts) that also
 * listens on a loopback port 0, for the clients that need a socket: WebSocket, an SDK, a
 * browser, every transport of synthesis-transports.ts. It has the URLs of a TestApp, so the
 * clients of test/support take it as they take the real-process app.
 */
export interface ListeningInProcessApp extends InProcessApp {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** e.g. ws://127.0.0.1:41234 */
  wsUrl: string;
}

export async function startListeningInProcessApp(
  env: Record<string, string> = {},
  options: CreateAppOptions = {},
): Promise<ListeningInProcessApp> {
  const app = await startInProcessApp(env, options);
  try {
    return { ...app, ...(await app.listen()) };
  } catch (error) {
    await app.close();
    throw error;
  }
}
