/**
 * Kysely's SQLite dialect, with transactions that take the write lock as they begin (`BEGIN
 * IMMEDIATE`). A deferred transaction that reads before it writes cannot wait for another
 * process's write lock: SQLite answers "database is locked" at once when it asks for the lock
 * holding a read snapshot (the busy timeout applies only while it holds none). The CLI's
 * `backends add` failed that way whenever a running gateway was committing usage. Every
 * transaction the store opens through Kysely writes, so none takes the lock for nothing.
 */
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver } from 'kysely';

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

export class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection): Promise<void> => {
      await connection.executeQuery(BEGIN_IMMEDIATE);
    };
    return driver;
  }
}
