import { execFile } from 'node:child_process';
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify, YAMLMap } from 'yaml';

const run = promisify(execFile);

export const REPOSITORY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The parts of a resolved compose service the deployment tests look at. */
export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; disable?: boolean };
  deploy?: {
    replicas?: number;
    resources?: {
      reservations?: { devices?: { driver: string; count: number; capabilities: string[] }[] };
    };
  };
  ports?: { published: number; target: number }[];
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
  stop_grace_period?: string;
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Compose's `!reset` tag (a key the override removes from the base file). */
const RESET = Symbol('!reset');
const RESET_TAG = {
  tag: '!reset',
  collection: 'map' as const,
  nodeClass: YAMLMap,
  identify: () => false,
  resolve: () => RESET,
};

/**
 * `docker-compose.yml` as Docker Compose resolves it (interpolation, `env_file`, defaults), in a
 * fresh directory holding the compose file and a `.env` made from `.env.example` plus `dotEnv`
 * — what the README's quick start does (`dotEnv` null: no `.env`, a fresh clone). With `override`, that file is merged on top following
 * Compose's rules for mappings, scalars and `!reset`, and the result is validated again.
 * `docker-compose config` (Debian's 1.29) validates every file against the Compose schema.
 */
export async function resolveComposeProject(
  dotEnv: Record<string, string> | null,
  override?: string,
): Promise<ComposeProject> {
  const dir = await mkdtemp(join(tmpdir(), 'cosyvoice-compose-'));
  try {
    await copyFile(join(REPOSITORY_DIR, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    if (dotEnv) await writeFile(join(dir, '.env'), await dotEnvFile(dotEnv));
    let project = await composeConfig(dir, 'docker-compose.yml');
    if (override) {
      const text = await readFile(join(REPOSITORY_DIR, override), 'utf8');
      if (text.includes('${')) {
        throw new Error(`${override}: interpolation in an override is not emulated here`);
      }
      const merged = mergeOverride(project, parse(text, { customTags: [RESET_TAG] }));
      // Written as YAML 1.1 (what docker-compose 1.29 reads): 'yes' stays a string.
      await writeFile(join(dir, 'merged.yml'), stringify(merged, { version: '1.1' }));
      project = await composeConfig(dir, 'merged.yml');
    }
    return project;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * docker-compose 1.29 knows `env_file` only as paths: entries in Compose 2.24's long syntax
 * (`path`, `required`) become the path when the file exists and are dropped when an optional one
 * does not, which is what Compose 2 does with them.
 */
async function withShortEnvFiles(dir: string, file: string): Promise<string> {
  const project = parse(await readFile(join(dir, file), 'utf8')) as {
    services?: Record<string, { env_file?: unknown }>;
  };
  let changed = false;
  for (const service of Object.values(project.services ?? {})) {
    if (!Array.isArray(service.env_file)) continue;
    const paths: string[] = [];
    for (const entry of service.env_file as unknown[]) {
      if (typeof entry === 'string') {
        paths.push(entry);
        continue;
      }
      changed = true;
      const { path, required } = entry as { path: string; required?: boolean };
      const exists = await access(join(dir, path)).then(
        () => true,
        () => false,
      );
      if (exists || required !== false) paths.push(path);
    }
    if (paths.length > 0) service.env_file = paths;
    else delete service.env_file;
  }
  if (!changed) return file;
  const short = `short-env-${file}`;
  await writeFile(join(dir, short), stringify(project, { version: '1.1' }));
  return short;
}

async function composeConfig(dir: string, file: string): Promise<ComposeProject> {
  const readable = await withShortEnvFiles(dir, file);
  const { stdout } = await run('docker-compose', ['-f', readable, 'config'], { cwd: dir });
  // Paths relative to the project directory again, as written in the file.
  return parse(stdout.replaceAll(dir, '.')) as ComposeProject;
}

/** `.env.example` with the given variables set (replaced where the template lists them). */
async function dotEnvFile(values: Record<string, string>): Promise<string> {
  const template = await readFile(join(REPOSITORY_DIR, '.env.example'), 'utf8');
  const pending = new Map(Object.entries(values));
  const lines = template.split('\n').map((line) => {
    const name = /^([A-Z0-9_]+)=/.exec(line)?.[1];
    if (name === undefined || !pending.has(name)) return line;
    const value = pending.get(name);
    pending.delete(name);
    return `${name}=${value}`;
  });
  return [...lines, ...[...pending].map(([name, value]) => `${name}=${value}`)].join('\n');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeOverride(base: unknown, override: unknown): unknown {
  if (Array.isArray(override)) {
    // a sequence the base file does not have is taken as it is; appending to one is not emulated
    if (base === undefined) return override;
    throw new Error('sequences in an override (appended by Compose) are not emulated here');
  }
  if (!isMapping(override) || !isMapping(base)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === RESET) {
      delete merged[key];
    } else {
      merged[key] = mergeOverride(base[key], value);
    }
  }
  return merged;
}
