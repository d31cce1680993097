import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { Public } from '../../src/common/public.decorator.js';
import { loadConfig } from '../../src/config/load-config.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';

const VOICE_ID = '50a5fdb9-c3ad-445a-adbb-3be327500000';

/** Spellings of `/api` that the router decodes to `/api` while a prefix check sees no `/api/`. */
const ENCODED_PREFIXES = ['/%61pi', '/a%70i', '/ap%69', '/%61%70%69', '/%61%70%69'.toUpperCase()];

function multipartUpload(): { body: Buffer; contentType: string } {
  const boundary = 'route-protection-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="voice.wav"\r\n` +
        'Content-Type: audio/wav\r\n\r\n',
    ),
    makeSpeechWav(1),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

function expectUnauthorized(response: { status: number; body: string }): void {
  expect(response.status).toBe(401);
  expect(JSON.parse(response.body)).toMatchObject({
    code: 'Unauthorized',
    message: 'missing Authorization: Bearer <token> header',
  });
}

describe('percent-encoded paths reach the same protected routes', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  describe.each(ENCODED_PREFIXES)('%s/v1/audio/...', (prefix) => {
    it('upload without a token: 401, nothing stored', async () => {
      const upload = multipartUpload();
      expectUnauthorized(
        await app.raw('POST', `${prefix}/v1/audio/reference_audio`, {
          headers: { 'content-type': upload.contentType },
          body: upload.body,
        }),
      );
      expect(await listStoredKeys(app)).toEqual([]);
    });

    it('list, get and delete without a token: 401', async () => {
      expectUnauthorized(await app.raw('GET', `${prefix}/v1/audio/reference_audio`));
      expectUnauthorized(await app.raw('GET', `${prefix}/v1/audio/reference_audio/${VOICE_ID}`));
      expectUnauthorized(await app.raw('DELETE', `${prefix}/v1/audio/reference_audio/${VOICE_ID}`));
    });

    it('speech without a token: 401', async () => {
      expectUnauthorized(
        await app.raw('POST', `${prefix}/v1/audio/speech`, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'CosyVoice2-0.5B',
            input: { mode: 'fast_replication', text: 'hi', reference_audio_id: VOICE_ID },
          }),
        }),
      );
    });
  });

  it('an encoded path with the token is served like the plain one', async () => {
    const response = await app.raw('GET', '/%61pi/v1/audio/reference_audio', {
      headers: { authorization: `Bearer ${app.token}` },
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual([]);
  });

  it('keeps the public routes public, also when encoded', async () => {
    expect((await app.raw('GET', '/health')).status).toBe(200);
    expect((await app.raw('GET', '/%68ealth')).status).toBe(200);
    expect([200, 503]).toContain((await app.raw('GET', '/ready')).status);
    expect((await app.raw('GET', '/metrics')).status).toBe(200);
  });
});

@Controller('later/probe')
class LaterAddedController {
  @Get()
  get(): { served: true } {
    return { served: true };
  }
}

@Public()
@Controller('later/open-probe')
class LaterAddedPublicController {
  @Get()
  get(): { served: true } {
    return { served: true };
  }
}

@Module({ controllers: [LaterAddedController, LaterAddedPublicController] })
class LaterAddedModule {}

describe('a route added later, by another module', () => {
  let app: NestFastifyApplication;
  let tempDir: string;
  const token = 'later-added-route-token-0123456789abcdef0123456789';

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-route-'));
    const config = loadConfig({
      API_TOKENS: token,
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${join(tempDir, 'db.sqlite')}`,
      STORAGE_DIR: join(tempDir, 'audio'),
      MODEL_DIR: join(tempDir, 'no-model'),
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config), LaterAddedModule],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  /** GET `path` through `app.inject()`, the path as given. */
  async function get(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const response = await app.inject({ method: 'GET', url: path, headers });
    return { status: response.statusCode, body: response.body };
  }

  afterAll(async () => {
    await app?.close();
    await rm(tempDir, { recursive: true, force: true });
  });

  it('needs a token without being marked (deny by default)', async () => {
    expectUnauthorized(await get('/later/probe'));
    expectUnauthorized(await get('/later/%70robe'));
    const served = await get('/later/probe', { authorization: `Bearer ${token}` });
    expect(served.status).toBe(200);
  });

  it('is public only with @Public()', async () => {
    expect((await get('/later/open-probe')).status).toBe(200);
  });
});
