import { Global, Module } from '@nestjs/common';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import { SynthesisDrain } from './synthesis-drain.js';

/** The graceful shutdown: the drain of in-flight syntheses and the steps around it. */
@Global()
@Module({
  providers: [SynthesisDrain, GracefulShutdownService],
  exports: [SynthesisDrain, GracefulShutdownService],
})
export class LifecycleModule {}
