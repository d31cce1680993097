import OpenAI, { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';

describe('RATE_LIMIT_PER_MINUTE on the OpenAI-compatible routes', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ RATE_LIMIT_PER_MINUTE: '2' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('counts /v1 requests per token and answers 429 in OpenAI shape with Retry-After', async () => {
    const client = new OpenAI({ apiKey: app.token, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 });
    await client.models.list();
    await client.models.list();
    const refused = await fetch(`${app.baseUrl}/v1/audio/voices`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({
      error: {
        message: expect.any(String) as string,
        type: 'rate_limit_error',
        param: null,
        code: 'TooManyRequests',
      },
    });
    const error = await client.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
  });
});
