import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';

interface MediaType {
  schema?: { $ref?: string };
  example?: { code: string; message: string; request_id: string };
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, Record<string, unknown>>;
    schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }>;
  };
}

describe('Swagger UI: each operation documents its own errors', () => {
  let app: InProcessApp;
  let doc: OpenApi;

  beforeAll(async () => {
    app = await startInProcessApp();
    doc = (await (await app.fetch('/docs-json')).json()) as OpenApi;
  });

  afterAll(async () => {
    await app?.close();
  });

  const errorsOf = (path: string, method: string) =>
    Object.entries(doc.paths[path][method].responses).filter(([status]) => Number(status) >= 400);

  it('errors are application/json only (also on the SSE route), with the error schema and an example of their own', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const method of Object.keys(methods)) {
        for (const [status, response] of errorsOf(path, method)) {
          const where = `${method} ${path} ${status}`;
          expect(Object.keys(response.content ?? {}), where).toEqual(['application/json']);
          const media = response.content!['application/json'];
          expect(media.schema?.$ref, where).toBe('#/components/schemas/ErrorResponseDto');
          expect(media.example?.code, where).toMatch(/^[A-Z][A-Za-z]+$/);
          if (!(method === 'get' && path === '/api/v1/audio/reference_audio' && status === '400')) {
            expect(media.example?.message, where).not.toBe('limit must be an integer');
          }
        }
      }
    }
  });

  it('the speech route: 401 says Unauthorized, 404 NotFound, 503 ModelNotLoaded', () => {
    const examples = Object.fromEntries(
      errorsOf('/api/v1/audio/speech', 'post').map(([status, response]) => [
        status,
        response.content!['application/json'].example!.code,
      ]),
    );
    expect(examples).toMatchObject({
      '400': 'InvalidParameter',
      '401': 'Unauthorized',
      '404': 'NotFound',
      '413': 'PayloadTooLarge',
      '429': 'TooManyRequests',
      '503': 'ModelNotLoaded',
    });
  });

  it('POST /v1/audio/speech: 200 as each audio media type and SSE, errors as application/json in OpenAI shape', () => {
    const responses = doc.paths['/v1/audio/speech'].post.responses;
    expect(Object.keys(responses['200'].content ?? {}).sort()).toEqual([
      'audio/flac',
      'audio/mpeg',
      'audio/ogg; codecs=opus',
      'audio/pcm',
      'audio/wav',
      'text/event-stream',
    ]);
    expect(responses['200'].content!['audio/mpeg'].schema).toEqual({
      type: 'string',
      format: 'binary',
    });
    const errors = errorsOf('/v1/audio/speech', 'post');
    expect(errors.map(([status]) => status).sort()).toEqual(['400', '401', '404', '429', '503']);
    for (const [status, response] of errors) {
      expect(Object.keys(response.content ?? {}), status).toEqual(['application/json']);
      expect(response.content!['application/json'].schema, status).toMatchObject({
        required: ['error'],
        properties: { error: { required: ['message', 'type', 'param', 'code'] } },
      });
    }
  });

  it('the bearer scheme is an opaque token, not a JWT', () => {
    const scheme = doc.components.securitySchemes.bearer;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(scheme.bearerFormat).toBe('opaque token');
    expect(String(scheme.description)).toMatch(/API_TOKENS.*not a JWT/);
  });

  it('integer fields are typed integer and the example voice id says it must be replaced', () => {
    const schemas = doc.components.schemas;
    const options = Object.values(schemas).find((schema) => schema.properties?.seed);
    expect(options?.properties?.seed.type).toBe('integer');
    expect(options?.properties?.sample_rate.type).toBe('integer');
    const input = Object.values(schemas).find((schema) => schema.properties?.reference_audio_id);
    expect(String(input?.properties?.reference_audio_id.example)).toMatch(/^replace-with-an-id/);
  });
});
