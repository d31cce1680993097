import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SpeechEvent,
  TaskSocket,
  joinAudio,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const TEXT = '收到好友从远方寄来的生日礼物。';

/** Every sample of a Prometheus text exposition, by series (`name{labels}`). */
async function scrape(app: TestApp): Promise<Map<string, number>> {
  const response = await fetch(`${app.baseUrl}/metrics`);
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const split = line.lastIndexOf(' ');
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

/** How much each series grew from `before` to `after` (absent = 0). */
function growth(before: Map<string, number>, after: Map<string, number>, series: string): number {
  return (after.get(series) ?? 0) - (before.get(series) ?? 0);
}

describe('GET /metrics after real syntheses (tiny pack)', () => {
  let app: TestApp;
  let voice: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voice = await uploadVoice(app, 190, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reports the model as loaded with its execution provider', async () => {
    const samples = await scrape(app);
    expect(samples.get('model_loaded')).toBe(1);
    expect(samples.get('model_info{execution_provider="cpu"}')).toBe(1);
    expect(samples.get('synthesis_active')).toBe(0);
    expect(samples.get('synthesis_queued')).toBe(0);
  });

  it('counts an SSE and a whole-file synthesis by mode, format, transport and outcome', async () => {
    const before = await scrape(app);

    const sse = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', text: TEXT, reference_audio_id: voice },
      output_format: 'mp3',
      sample_rate: 22050,
    });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSpeechEvents(sse);
    expect(events.at(-1)!.output.finish_reason).toBe('stop');
    expect(joinAudio(events).length).toBeGreaterThan(0);

    const whole = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', text: TEXT, reference_audio_id: voice },
      stream: false,
    });
    expect(whole.status).toBe(200);
    expect(((await whole.json()) as SpeechEvent).output.audio.data.length).toBeGreaterThan(0);

    const unknownVoice = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: {
        mode: 'fast_replication',
        text: TEXT,
        reference_audio_id: '50a5fdb9-c3ad-445a-adbb-3be327500000',
      },
      stream: false,
    });
    expect(unknownVoice.status).toBe(404);

    const after = await scrape(app);
    const requests = (labels: string) =>
      growth(before, after, `synthesis_requests_total{${labels}}`);
    expect(
      requests('mode="cross_lingual_replication",format="mp3",transport="sse",outcome="completed"'),
    ).toBe(1);
    expect(
      requests('mode="fast_replication",format="wav",transport="http",outcome="completed"'),
    ).toBe(1);
    expect(
      requests('mode="fast_replication",format="wav",transport="http",outcome="rejected"'),
    ).toBe(1);

    for (const labels of [
      '{mode="cross_lingual_replication",transport="sse"}',
      '{mode="fast_replication",transport="http"}',
    ]) {
      for (const histogram of [
        'synthesis_first_audio_seconds',
        'synthesis_duration_seconds',
        'synthesis_real_time_factor',
      ]) {
        expect(growth(before, after, `${histogram}_count${labels}`), histogram).toBe(1);
        expect(growth(before, after, `${histogram}_sum${labels}`), histogram).toBeGreaterThan(0);
      }
      const firstAudio = after.get(`synthesis_first_audio_seconds_sum${labels}`)!;
      const duration = after.get(`synthesis_duration_seconds_sum${labels}`)!;
      expect(firstAudio).toBeLessThanOrEqual(duration);
    }
    expect(growth(before, after, 'synthesis_audio_seconds_total')).toBeGreaterThan(0);
    expect(
      growth(
        before,
        after,
        'http_requests_total{method="POST",route="/api/v1/audio/speech",status="200"}',
      ),
    ).toBe(2);
    expect(after.get('synthesis_active')).toBe(0);
  });

  it('counts WebSocket connections while open and their tasks with transport="websocket"', async () => {
    const before = await scrape(app);
    expect(before.get('websocket_connections')).toBe(0);
    const first = await TaskSocket.open(app);
    const second = await TaskSocket.open(app, 'query');
    expect((await scrape(app)).get('websocket_connections')).toBe(2);

    const events = await first.runWholeTask(
      'metrics-task',
      {
        mode: 'natural_language_replication',
        reference_audio_id: voice,
        instruct: '用冷静的语气说',
      },
      ['第一句话。', '第二句话。'],
    );
    expect(events.at(-1)!.header.event).toBe('task-finished');
    second.close();
    await until(
      async () => (await scrape(app)).get('websocket_connections') === 1,
      'one connection closed',
    );
    first.close();
    await until(
      async () => (await scrape(app)).get('websocket_connections') === 0,
      'both connections closed',
    );

    const after = await scrape(app);
    expect(
      growth(
        before,
        after,
        'synthesis_requests_total{mode="natural_language_replication",format="wav",transport="websocket",outcome="completed"}',
      ),
    ).toBe(1);
    const labels = '{mode="natural_language_replication",transport="websocket"}';
    for (const histogram of [
      'synthesis_first_audio_seconds',
      'synthesis_duration_seconds',
      'synthesis_real_time_factor',
    ]) {
      expect(growth(before, after, `${histogram}_count${labels}`), histogram).toBe(1);
    }
  });
});
