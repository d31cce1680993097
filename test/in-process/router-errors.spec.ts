import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('errors of the router, before any route is reached', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  function expectCommonShape(
    response: { status: number; headers: Record<string, unknown>; body: string },
    status: number,
    code: string,
    message: string,
  ): void {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body) as Record<string, string>;
    expect(body).toEqual({ code, message, request_id: response.headers['x-request-id'] });
    expect(body.request_id).toMatch(UUID);
  }

  it('answers an id over 100 characters with 414 UriTooLong in the common shape', async () => {
    const response = await app.raw('GET', `${REFERENCE_AUDIO_PATH}/${'a'.repeat(200)}`, {
      headers: { authorization: `Bearer ${app.token}` },
    });
    expectCommonShape(response, 414, 'UriTooLong', 'a path segment is longer than 100 characters');
  });

  it.each(['/%ZZ', `${REFERENCE_AUDIO_PATH}/%E0%A4%A`, '/api/%'])(
    'answers the bad percent-encoding of %s with 400 InvalidParameter in the common shape',
    async (path) => {
      const response = await app.raw('GET', path, {
        headers: { authorization: `Bearer ${app.token}` },
      });
      expectCommonShape(
        response,
        400,
        'InvalidParameter',
        'the URL path is not valid percent-encoding',
      );
    },
  );

  it('answers an unknown route with 404 NotFound in the common shape', async () => {
    const response = await app.raw('GET', '/no/such/route');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'NotFound',
      request_id: response.headers['x-request-id'],
    });
  });
});
