import { expect } from 'vitest';
import { postSpeech, readSpeechEvents, type SpeechEvent } from './speech-clients.js';
import type { TestApp } from './test-app.js';

/** A per-node metric of the API service (`name{node="host:port"}`), 0 when absent. */
export async function fleetMetric(app: TestApp, name: string, node: string): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{node="${node}"}`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** `/ready`'s fleet line (e.g. `2 nodes, 2 ready, 4/4 slots free`); the check stays ok. */
export async function fleetEngines(app: TestApp): Promise<string | undefined> {
  const body = (await (await fetch(`${app.baseUrl}/ready`)).json()) as {
    status: string;
    checks: { model: { engines?: string } };
  };
  expect(body.status).toBe('ok');
  return body.checks.model.engines;
}

/** A streamed (SSE) cross-lingual synthesis of `text` with `voice`, seed 5, PCM. */
export function streamSpeech(
  app: TestApp,
  voice: string,
  text: string,
  signal?: AbortSignal,
): Promise<Response> {
  return postSpeech(
    app,
    {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', reference_audio_id: voice, text, seed: 5 },
      stream: true,
      output_format: 'pcm',
    },
    { signal },
  );
}

/** The events of a streamed synthesis that must succeed: 200, and a last event that stops. */
export async function completedSpeech(response: Response): Promise<SpeechEvent[]> {
  if (response.status !== 200) {
    expect({ status: response.status, body: await response.text() }).toBe({ status: 200 });
  }
  const events = await readSpeechEvents(response);
  expect(events.at(-1)?.error).toBeNull();
  expect(events.at(-1)?.output.finish_reason).toBe('stop');
  return events;
}
