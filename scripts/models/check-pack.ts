/**
 * npm run models:check [-- <dir>]
 * Loads the model pack in <dir> (default MODEL_DIR) exactly as the service does (same settings from the
 * environment and .env, same loader and contract), reports every file, graph and derived size,
 * runs one short synthesis per mode on the bundled prompt voice with a fixed seed and judges the
 * audio. Exit status: 0 = a real pack whose
 * audio is plausible, 1 = a fault or implausible audio, 2 = bad settings, 3 = a test pack (tiny or
 * benchmark pack) on which everything ran, but whose audio is not speech.
 */
import { Logger } from '@nestjs/common';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../src/audio/wav.decoder.js';
import type { InferenceConfig } from '../../src/config/app-config.js';
import { loadEnvFile } from '../../src/config/env-file.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import {
  buildEngineRuntime,
  type EngineRuntime,
} from '../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { describeDevice } from '../../src/inference/cosyvoice2/runtime/execution-device.js';
import { probeExecutionDevice } from '../../src/inference/cosyvoice2/runtime/execution-device.probe.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import { loadModelPack } from '../../src/inference/model-pack/model-pack.loader.js';
import { readManifestFile } from '../../src/inference/model-pack/model-pack.manifest-file.js';
import { GRAPH_ROLES, TABLE_ROLES } from '../../src/inference/model-pack/model-pack.manifest.js';
import { dbfs, judgeCheckSynthesis, type CheckProblem } from './pack-check/audio-plausibility.js';
import {
  CHECK_SEED,
  CHECK_UTTERANCES,
  nonFiniteVoiceValues,
  runCheckSynthesis,
} from './pack-check/check-synthesis.js';
import { describeGraphIo } from './pack-check/graph-io.report.js';
import { checkPackFiles, formatBytes, isFileFault } from './pack-check/pack-files.report.js';

const CHECK_EXIT = { plausible: 0, fault: 1, settings: 2, testPack: 3 } as const;

const VOICE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'check-voice');

async function loadRuntime(
  config: InferenceConfig,
): Promise<{ runtime: EngineRuntime; seconds: number }> {
  const started = performance.now();
  await probeExecutionDevice(config);
  const pack = await loadModelPack(config);
  const runtime = await buildEngineRuntime(pack, config).catch(async (error: unknown) => {
    await pack.release();
    throw error;
  });
  return { runtime, seconds: (performance.now() - started) / 1000 };
}

function printSizes(runtime: EngineRuntime): void {
  const { dims, tables, manifest } = runtime.pack;
  console.log('\nSizes derived from the pack:');
  console.log(
    `  LLM: ${dims.numLayers} layers, hidden ${dims.hiddenSize}, ${dims.kvHeads} KV heads × ${dims.headDim}; ` +
      `speech vocabulary ${dims.speechVocabSize} rows`,
  );
  for (const role of TABLE_ROLES) {
    console.log(`  ${manifest.roles[role].file}: [${tables[role].shape.join(', ')}]`);
  }
}

async function main(): Promise<number> {
  Logger.overrideLogger(['fatal', 'error', 'warn', 'log']);
  const args = process.argv.slice(2);
  if (args.length > 1) {
    console.error('usage: npm run models:check [-- <dir>]   (default: MODEL_DIR)');
    return CHECK_EXIT.settings;
  }
  let config: InferenceConfig;
  try {
    loadEnvFile();
    config = loadConfig(
      args[0] === undefined ? process.env : { ...process.env, MODEL_DIR: args[0] },
    ).inference;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return CHECK_EXIT.settings;
  }
  const dir = resolve(config.modelDir);
  console.log(`CosyVoice2 model pack check: ${dir}, device ${describeDevice(config)}`);
  const manifest = await readManifestFile(dir).catch(() => undefined);
  if (manifest?.testPack) {
    console.log(
      '\nTEST PACK: cosyvoice2-pack.json marks this pack as a test pack ("testPack": true). Its ' +
        'weights are tiny or random: the whole pipeline runs, but its audio is not speech. ' +
        'For real speech: npm run models:download',
    );
  }

  let faults = 0;
  const dirExists = (await stat(dir).catch(() => undefined))?.isDirectory() === true;
  if (manifest && dirExists) {
    console.log('\nFiles (size and sha256 against cosyvoice2-pack.json):');
    for (const status of await checkPackFiles(dir, manifest)) {
      const size = status.size === undefined ? 'missing' : formatBytes(status.size);
      console.log(
        `  ${isFileFault(status) ? 'FAIL' : 'ok  '} ${status.file}: ${size}, size ${status.sizeStatus}, sha256 ${status.sha256Status}`,
      );
      if (isFileFault(status)) faults++;
    }
  }

  let loaded: { runtime: EngineRuntime; seconds: number };
  try {
    loaded = await loadRuntime(config);
  } catch (error) {
    console.log(`\nFAIL: the service would not load this pack: ${(error as Error).message}`);
    return CHECK_EXIT.fault;
  }
  const { runtime } = loaded;
  try {
    console.log(`\nLoaded as the service loads it in ${loaded.seconds.toFixed(1)} s.`);
    console.log('\nGraphs (as the files declare them):');
    for (const role of GRAPH_ROLES) {
      console.log(`  ${runtime.pack.manifest.roles[role].file}`);
      for (const line of describeGraphIo(runtime.pack.sessions[role])) console.log(`    ${line}`);
    }
    printSizes(runtime);

    const promptText = (await readFile(join(VOICE_DIR, 'prompt.txt'), 'utf8')).trim();
    const voice = await runtime.voiceFeatures.extract(
      decodeWav(await readFile(join(VOICE_DIR, 'prompt.wav'))),
      new SessionTimer(),
    );
    console.log(
      `\nPrompt voice scripts/models/check-voice/prompt.wav ("${promptText}"): ` +
        `${voice.speechTokens.length} speech tokens, ${voice.promptMelFrames} mel frames`,
    );
    const badVoiceValues = nonFiniteVoiceValues(voice);
    if (badVoiceValues > 0) {
      console.log(
        `  FAIL: ${badVoiceValues} NaN/Inf values in the speaker embedding or prompt mel`,
      );
      faults++;
    }

    console.log(`\nSynthesis (seed ${CHECK_SEED}, streamed, speed 1):`);
    const speechProblems: CheckProblem[] = [];
    for (const utterance of CHECK_UTTERANCES) {
      let problems: CheckProblem[];
      try {
        const result = await runCheckSynthesis(runtime, voice, promptText, utterance);
        console.log(
          `  ${utterance.mode}: ${result.speechTokens.length} speech tokens, ${result.audioSeconds.toFixed(2)} s audio, ` +
            `peak ${dbfs(result.peak).toFixed(1)} dBFS, RMS ${dbfs(result.rms).toFixed(1)} dBFS, ` +
            `first audio ${result.firstAudioSeconds.toFixed(2)} s, RTF ${result.rtf.toFixed(2)}, ${runtime.pack.device}`,
        );
        problems = judgeCheckSynthesis(result);
      } catch (error) {
        problems = [{ kind: 'fault', message: `synthesis failed: ${(error as Error).message}` }];
      }
      for (const problem of problems) {
        const judged = problem.kind === 'fault' || !manifest?.testPack;
        console.log(`    ${judged ? 'FAIL' : 'not judged (test pack)'}: ${problem.message}`);
        if (problem.kind === 'fault') faults++;
        else speechProblems.push(problem);
      }
    }

    if (faults > 0) {
      console.log(`\nResult: FAIL (${faults} fault${faults === 1 ? '' : 's'})`);
      return CHECK_EXIT.fault;
    }
    if (manifest?.testPack) {
      console.log(
        `\nResult: TEST PACK: every stage ran and the output is well-formed, but the audio is not speech (exit ${CHECK_EXIT.testPack})`,
      );
      return CHECK_EXIT.testPack;
    }
    if (speechProblems.length > 0) {
      console.log(`\nResult: FAIL (the audio does not look like speech)`);
      return CHECK_EXIT.fault;
    }
    console.log('\nResult: ok (every mode produced plausible speech)');
    return CHECK_EXIT.plausible;
  } finally {
    await runtime.release();
  }
}

process.exitCode = await main();
