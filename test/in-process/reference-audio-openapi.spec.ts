import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';

interface Schema {
  type?: string;
  format?: string;
  enum?: string[];
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  example?: unknown;
}

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

describe('OpenAPI document of the reference audio API (/docs-json)', () => {
  let app: InProcessApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    app = await startInProcessApp();
    const response = await app.fetch('/docs-json');
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });

  afterAll(async () => {
    await app?.close();
  });

  function resolve(schema: Schema): Schema {
    if (!schema.$ref) {
      return schema;
    }
    return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
  }

  function jsonSchema(operation: Operation, status: string): Schema {
    return resolve(operation.responses[status].content?.['application/json'].schema ?? {});
  }

  const collection = () => document.paths['/api/v1/audio/reference_audio'];
  const item = () => document.paths['/api/v1/audio/reference_audio/{id}'];

  function expectReferenceAudioObject(schema: Schema): void {
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([
      'bytes',
      'created_at',
      'duration',
      'filename',
      'id',
      'name',
      'text',
    ]);
    expect(schema.properties?.id).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schema.properties?.filename.type).toBe('string');
    expect(schema.properties?.bytes.type).toBe('integer');
    expect(schema.properties?.created_at.type).toBe('integer');
    expect(schema.properties?.text).toMatchObject({
      type: 'string',
      example: '希望你以后能够做得比我还好哟',
    });
  }

  it('serves Swagger UI at /docs', async () => {
    const response = await app.fetch('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('swagger-ui');
  });

  it('documents the upload as multipart: file (binary), text, optional sample_rate', () => {
    const upload = collection().post;
    const body = resolve(upload.requestBody?.content['multipart/form-data'].schema ?? {});
    expect(Object.keys(body.properties ?? {}).sort()).toEqual([
      'file',
      'name',
      'sample_rate',
      'text',
    ]);
    expect(body.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(body.properties?.text.type).toBe('string');
    expect(body.properties?.sample_rate).toMatchObject({ type: 'integer', default: 16000 });
    expect([...(body.required ?? [])].sort()).toEqual(['file', 'text']);
    expectReferenceAudioObject(jsonSchema(upload, '200'));
    expect(Object.keys(upload.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '409',
      '413',
      '503',
      '507',
    ]);
    expect(upload.security).toEqual([{ bearer: [] }]);
  });

  it('documents the list with limit (1..1000, default 100) and order (asc|desc, default desc)', () => {
    const list = collection().get;
    const parameters = Object.fromEntries(
      (list.parameters ?? []).map((parameter) => [parameter.name, parameter]),
    );
    expect(Object.keys(parameters).sort()).toEqual(['limit', 'order']);
    expect(parameters.limit).toMatchObject({ in: 'query', required: false });
    expect(parameters.limit.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 100,
    });
    expect(parameters.order.schema).toMatchObject({ enum: ['asc', 'desc'], default: 'desc' });
    const array = list.responses['200'].content?.['application/json'].schema;
    expect(array?.type).toBe('array');
    expectReferenceAudioObject(resolve(array?.items ?? {}));
  });

  it('documents get and delete by id with the exact delete answer', () => {
    expectReferenceAudioObject(jsonSchema(item().get, '200'));
    expect(Object.keys(item().get.responses).sort()).toEqual(['200', '400', '401', '404']);
    const deleted = jsonSchema(item().delete, '200');
    expect(Object.keys(deleted.properties ?? {}).sort()).toEqual(['code', 'data', 'message']);
    expect(deleted.properties?.code.enum).toEqual(['OK']);
    expect(item().delete.parameters?.[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });

  it('documents every error as {code, message, request_id}', () => {
    for (const [status, response] of Object.entries(item().delete.responses)) {
      if (status === '200') {
        continue;
      }
      const schema = resolve(response.content?.['application/json'].schema ?? {});
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual([
        'code',
        'message',
        'request_id',
      ]);
    }
  });
});
