import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { engineNodeListenAddress } from '../../src/engine-node/engine-node.config.js';
import {
  type ComposeProject,
  REPOSITORY_DIR,
  resolveComposeProject,
} from '../support/compose-project.js';

/**
 * docker-compose.yml (GPU host) and docker-compose.cpu.yml (CPU-only host) as Docker Compose
 * resolves them from the README's quick start (`cp .env.example .env`, set API_TOKENS): valid
 * against the Compose schema, and wired the way the README says. No Docker engine runs here, so
 * the images are checked by reading the Dockerfile.
 */
const DOT_ENV = {
  API_TOKENS: 'token-from-dot-env-0123456789abcdef0123456789',
  MYSQL_PASSWORD: 'mysql-password-from-dot-env',
  MINIO_ROOT_USER: 'minio-user-from-dot-env',
  MINIO_ROOT_PASSWORD: 'minio-password-from-dot-env',
};

/** The Dockerfile's stages: name → the instructions after its FROM line (continuations joined). */
async function dockerfileStages(): Promise<Map<string, { from: string; body: string }>> {
  const text = (await readFile(join(REPOSITORY_DIR, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const args = new Map([...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  const stages = new Map<string, { from: string; body: string }>();
  let current: { from: string; body: string } | undefined;
  for (const line of text.split('\n')) {
    const from = /^FROM (\S+) AS (\S+)$/.exec(line);
    if (from) {
      current = {
        from: from[1].replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name)!),
        body: '',
      };
      stages.set(from[2], current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return stages;
}

/** The `cosyvoice` service's resolved environment (never process.env). */
function serviceEnvironment(project: ComposeProject): Record<string, string> {
  const environment = project.services.cosyvoice.environment;
  if (!environment) throw new Error('the cosyvoice service has no environment');
  return environment;
}

describe('docker-compose.yml (GPU host)', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    project = await resolveComposeProject(DOT_ENV);
  });

  it('has MySQL, MinIO with its bucket job, the optional models job and the service', () => {
    expect(Object.keys(project.services).sort()).toEqual([
      'cosyvoice',
      'minio',
      'minio-bucket',
      'models',
      'mysql',
      'redis',
    ]);
    expect(Object.keys(project.volumes ?? {}).sort()).toEqual(['minio-data', 'mysql-data']);
  });

  it('offers Redis for shared rate limits behind the `redis` profile, without persistence', () => {
    const redis = project.services.redis;
    expect(redis.profiles).toEqual(['redis']);
    expect(redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(serviceEnvironment(project).REDIS_URL ?? '').toBe('');
  });

  it('runs MySQL 8 on a named volume with a TCP healthcheck', () => {
    const mysql = project.services.mysql;
    expect(mysql.image).toMatch(/^mysql:8\./);
    expect(mysql.volumes).toContain('mysql-data:/var/lib/mysql:rw');
    expect(mysql.healthcheck?.test.join(' ')).toMatch(/mysqladmin ping .*-h 127\.0\.0\.1/);
    expect(mysql.environment).toEqual({
      MYSQL_DATABASE: 'cosyvoice',
      MYSQL_USER: 'cosyvoice',
      MYSQL_PASSWORD: DOT_ENV.MYSQL_PASSWORD,
      MYSQL_RANDOM_ROOT_PASSWORD: 'yes',
    });
  });

  it('runs MinIO on a named volume with a healthcheck, and creates the service bucket once it is healthy', () => {
    const { minio, 'minio-bucket': bucketJob, cosyvoice } = project.services;
    expect(minio.volumes).toContain('minio-data:/data:rw');
    expect(minio.healthcheck?.test).toEqual(['CMD', 'mc', 'ready', 'local']);
    expect(minio.environment).toMatchObject({
      MINIO_ROOT_USER: DOT_ENV.MINIO_ROOT_USER,
      MINIO_ROOT_PASSWORD: DOT_ENV.MINIO_ROOT_PASSWORD,
    });
    expect(bucketJob.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(bucketJob.environment?.BUCKET).toBe(cosyvoice.environment?.S3_BUCKET);
    expect(bucketJob.command?.join(' ')).toContain('mc mb --ignore-existing "local/$$BUCKET"');
  });

  it('offers the model download as a one-shot job behind the `models` profile, into ./models', () => {
    const models = project.services.models;
    expect(models.profiles).toEqual(['models']);
    expect(models.build?.target).toBe('models');
    expect(models.volumes).toEqual(['./models:/app/models:rw']);
  });

  it('runs the GPU image on one NVIDIA GPU once MySQL, MinIO and the bucket are ready, and lets it drain on stop', () => {
    const service = project.services.cosyvoice;
    expect(service.build?.target).toBe('gpu');
    expect(service.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 1, capabilities: ['gpu'] },
    ]);
    expect(service.depends_on).toEqual({
      mysql: { condition: 'service_healthy' },
      minio: { condition: 'service_healthy' },
      'minio-bucket': { condition: 'service_completed_successfully' },
    });
    expect(service.ports).toEqual([{ published: 8080, target: 8080 }]);
    const stopGraceMs = 1000 * Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1]);
    expect(stopGraceMs).toBeGreaterThan(loadConfig(serviceEnvironment(project)).shutdownGraceMs);
    expect(service.volumes).toEqual(['./models:/app/models:ro']);
  });

  it('gives the service a configuration it boots with: MySQL, the MinIO bucket, CUDA, API_TOKENS from .env', () => {
    const mysql = project.services.mysql.environment;
    const config = loadConfig(serviceEnvironment(project));
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      apiTokens: [DOT_ENV.API_TOKENS],
      database: {
        type: 'mysql',
        url: `mysql://${mysql?.MYSQL_USER}:${mysql?.MYSQL_PASSWORD}@mysql:3306/${mysql?.MYSQL_DATABASE}`,
      },
      storage: {
        driver: 's3',
        endpoint: 'http://minio:9000',
        bucket: 'cosyvoice',
        accessKeyId: DOT_ENV.MINIO_ROOT_USER,
        secretAccessKey: DOT_ENV.MINIO_ROOT_PASSWORD,
        forcePathStyle: true,
      },
      inference: { modelDir: '/app/models/CosyVoice2-0.5B', device: 'cuda' },
    });
  });

  it('the service refuses to start when .env has no API_TOKENS (it listens on 0.0.0.0)', async () => {
    const withoutTokens = await resolveComposeProject({ ...DOT_ENV, API_TOKENS: '' });
    const environment = serviceEnvironment(withoutTokens);
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    expect(() => loadConfig(environment)).toThrow(/API_TOKENS is required when HOST=0\.0\.0\.0/);
  });

  it('a fresh clone without .env: compose resolves (env_file is optional) and the service names what is missing', async () => {
    const file = await readFile(join(REPOSITORY_DIR, 'docker-compose.yml'), 'utf8');
    const services = (parse(file) as { services: Record<string, { env_file?: unknown }> }).services;
    expect(services.cosyvoice.env_file).toEqual([{ path: '.env', required: false }]);
    const withoutDotEnv = await resolveComposeProject(null);
    const environment = serviceEnvironment(withoutDotEnv);
    expect(environment.API_TOKENS).toBeUndefined();
    expect(environment.DATABASE_URL).toBe('mysql://cosyvoice:cosyvoice@mysql:3306/cosyvoice');
    expect(() => loadConfig(environment)).toThrow(/API_TOKENS is required when HOST=0\.0\.0\.0/);
  });

  it('builds from Dockerfile targets: gpu on CUDA 12 + cuDNN 9 with the CUDA 12 onnxruntime binaries', async () => {
    const stages = await dockerfileStages();
    for (const service of Object.values(project.services)) {
      if (service.build?.target) expect(stages.has(service.build.target)).toBe(true);
    }
    const gpu = stages.get('gpu')!;
    expect(gpu.from).toMatch(/^nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/);
    expect(gpu.body).toContain('COPY --from=gpu-dependencies /app/node_modules');
    expect(stages.get('gpu-dependencies')!.body).toContain('--onnxruntime-node-install=cuda12');
    expect(stages.get('node')!.from).toMatch(/^node:24[.-]/);
  });
});

describe('docker-compose.cpu.yml on top (CPU-only host)', () => {
  let gpu: ComposeProject;
  let cpu: ComposeProject;

  beforeAll(async () => {
    gpu = await resolveComposeProject(DOT_ENV);
    cpu = await resolveComposeProject(DOT_ENV, 'docker-compose.cpu.yml');
  });

  it('builds the cpu target, sets INFERENCE_DEVICE=cpu and reserves no GPU', () => {
    const service = cpu.services.cosyvoice;
    expect(service.build?.target).toBe('cpu');
    expect(service.deploy).toBeUndefined();
    expect(loadConfig(serviceEnvironment(cpu)).inference.device).toBe('cpu');
  });

  it('changes nothing else', () => {
    const { build: gpuBuild, deploy, image: gpuImage, ...gpuRest } = gpu.services.cosyvoice;
    const { build: cpuBuild, image: cpuImage, ...cpuRest } = cpu.services.cosyvoice;
    expect(deploy).toBeDefined();
    expect([gpuBuild?.target, cpuBuild?.target, gpuImage, cpuImage]).toEqual([
      'gpu',
      'cpu',
      'cosyvoice2-service:gpu',
      'cosyvoice2-service:cpu',
    ]);
    expect(cpuRest).toEqual({
      ...gpuRest,
      environment: { ...gpuRest.environment, INFERENCE_DEVICE: 'cpu' },
    });
    expect({ ...cpu.services, cosyvoice: undefined }).toEqual({
      ...gpu.services,
      cosyvoice: undefined,
    });
  });
});

describe('Dockerfile runtime targets', () => {
  it.each(['cpu', 'gpu'])(
    '%s: Node.js 20, non-root, no model inside, MODEL_DIR as compose mounts it, HEALTHCHECK on /ready, starts dist/main.js',
    async (target) => {
      const stages = await dockerfileStages();
      const stage = stages.get(target)!;
      expect(
        stage.from === 'node' || stage.body.includes('COPY --from=node /usr/local/bin/node'),
      ).toBe(true);
      expect(stage.body).toMatch(/^USER cosyvoice$/m);
      expect(stage.body).toMatch(/useradd --uid 10001 /);
      expect(stage.body).not.toMatch(/COPY .*models/);
      expect(stage.body).toContain('MODEL_DIR=/app/models/CosyVoice2-0.5B');
      expect(stage.body).toMatch(/^HEALTHCHECK .*CMD .*\/ready/m);
      expect(stage.body).toContain('CMD ["node", "dist/main.js"]');
      expect(stage.body).toContain('COPY --from=build /app/web/dist ./web/dist');
      expect(stage.body).toContain(`INFERENCE_DEVICE=${target === 'gpu' ? 'cuda' : 'cpu'}`);
    },
  );
});

describe('docker-compose.engines.yml on top (separated API and engine nodes)', () => {
  const WITH_SECRET = { ...DOT_ENV, ENGINE_SECRET: 'engine-secret-from-dot-env' };
  let split: ComposeProject;

  beforeAll(async () => {
    split = await resolveComposeProject(WITH_SECRET, 'docker-compose.engines.yml');
  });

  it('runs the API service without a GPU, dispatching to the `engine` replicas by DNS', () => {
    const api = split.services.cosyvoice;
    expect(api.deploy).toBeUndefined();
    const config = loadConfig(serviceEnvironment(split));
    expect(config.engine).toMatchObject({
      nodes: ['dns:///engine:50051'],
      secret: WITH_SECRET.ENGINE_SECRET,
    });
  });

  it('runs `engine` nodes on the GPU with replicas, the secret from .env, no published port', () => {
    const engine = split.services.engine;
    expect(engine.build?.target).toBe('gpu');
    expect(engine.command).toEqual(['node', 'dist/engine-node/main.js']);
    expect(engine.ports).toBeUndefined();
    expect(engine.deploy?.replicas).toBe(1);
    expect(engine.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 1, capabilities: ['gpu'] },
    ]);
    const config = loadConfig(engine.environment ?? {});
    expect(config.engine).toMatchObject({
      listen: '0.0.0.0:50051',
      secret: WITH_SECRET.ENGINE_SECRET,
    });
    expect(engineNodeListenAddress(config)).toEqual({ host: '0.0.0.0', port: 50051 });
    expect(config.inference).toMatchObject({
      device: 'cuda',
      modelDir: '/app/models/CosyVoice2-0.5B',
    });
  });

  it('an engine node without ENGINE_SECRET refuses to start on 0.0.0.0', async () => {
    const withoutSecret = await resolveComposeProject(DOT_ENV, 'docker-compose.engines.yml');
    const config = loadConfig(withoutSecret.services.engine.environment ?? {});
    expect(() => engineNodeListenAddress(config)).toThrow(
      /ENGINE_SECRET or mutual TLS is required when ENGINE_LISTEN=0\.0\.0\.0:50051 is not a/,
    );
  });
});
