import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

@Module({})
export class DatabaseModule {
  static forRoot(_config: AppConfig): DynamicModule {
    return { module: DatabaseModule };
  }
}
