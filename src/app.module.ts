import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CommonModule } from './common/common.module.js';
import { DatabaseModule } from './database/database.module.js';
import { StorageModule } from './storage/storage.module.js';
import { InferenceModule } from './inference/inference.module.js';
import { ReferenceAudioModule } from './reference-audio/reference-audio.module.js';
import { SynthesisModule } from './synthesis/synthesis.module.js';
import { SpeechRestModule } from './speech-rest/speech-rest.module.js';
import { OpenAiModule } from './openai/openai.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { HealthModule } from './health/health.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        LifecycleModule,
        DatabaseModule.forRoot(config),
        StorageModule,
        InferenceModule,
        ReferenceAudioModule,
        SynthesisModule,
        SpeechRestModule,
        OpenAiModule,
        RealtimeModule,
        HealthModule,
      ],
    };
  }
}
