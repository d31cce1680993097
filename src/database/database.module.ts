import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { DatabasePingRepository } from './database-ping.repository.js';

/** Connects the configured database, migrates it at boot and offers feature modules TypeORM. */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const embedded = config.database.type === 'sqlite';
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config.database),
            autoLoadEntities: true,
            retryAttempts: embedded ? 0 : 5,
            retryDelay: 2000,
          }),
        }),
      ],
      providers: [DatabasePingRepository],
      exports: [DatabasePingRepository],
    };
  }
}
