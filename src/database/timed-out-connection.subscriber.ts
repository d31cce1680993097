import { EventSubscriber, type AfterQueryEvent, type EntitySubscriberInterface } from 'typeorm';

/**
 * Drops a MySQL/MariaDB connection from the pool once a query on it timed out
 * (DB_QUERY_TIMEOUT_MS). mysql2 fails the query but keeps the connection, which TypeORM then
 * hands back to the pool, where the next query would wait behind the unanswered one forever.
 */
@EventSubscriber()
export class TimedOutConnectionSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    const code = (event.error as { code?: unknown } | undefined)?.code;
    if (event.success || code !== 'PROTOCOL_SEQUENCE_TIMEOUT') {
      return;
    }
    const runner = event.queryRunner as { databaseConnection?: { destroy?: () => void } };
    runner.databaseConnection?.destroy?.();
  }
}
