import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { registerApiErrorTranslator } from '../common/api-error-translators.js';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { DatabasePingRepository } from './database-ping.repository.js';
import { databaseUnavailableAsApiError } from './database-unavailable.js';
import { initializeDataSource } from './initialize-data-source.js';

/**
 * Connects the configured database, migrates it at boot (one replica at a time on MySQL/MariaDB)
 * and offers feature modules TypeORM.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    registerApiErrorTranslator(databaseUnavailableAsApiError);
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
          dataSourceFactory: (options?: DataSourceOptions) =>
            initializeDataSource(new DataSource(options!), config.database),
        }),
      ],
      providers: [DatabasePingRepository],
      exports: [DatabasePingRepository],
    };
  }
}
