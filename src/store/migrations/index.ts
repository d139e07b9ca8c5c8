/**
 * The static, ordered list of migrations (no filesystem scanning, so the compiled build and
 * the test run see the same list).
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as init from './2026_11_22_0001_init.js';
import * as controlPlane from './2026_11_23_0001_control_plane.js';
import * as usageCover from './2026_11_24_0001_usage_covering_index.js';
import * as usageClustered from './2026_11_25_0001_usage_clustered.js';
import * as usageJournalMarks from './2026_11_26_0001_usage_journal_marks.js';
import * as usageSpool from './2026_12_04_0001_usage_spool.js';
import * as keyLimits from './2026_12_04_0002_key_limits.js';
import * as usageCachedReasoning from './2026_12_04_0003_usage_cached_reasoning.js';
import * as backends from './2026_12_04_0004_backends.js';
import * as requestLog from './2026_12_04_0005_request_log.js';
import * as requestLogNoModelIndex from './2026_12_04_0006_request_log_no_model_index.js';
import * as lastUsedInTotals from './2026_12_05_0001_last_used_in_totals.js';
import * as requestLogFailures from './2026_12_06_0001_request_log_failures_index.js';
import * as requestLogRequestId from './2026_12_06_0002_request_log_request_id.js';
import * as requestLogUsageEstimated from './2026_12_06_0003_request_log_usage_estimated.js';
import * as requestLogRoute from './2026_12_07_0001_request_log_route.js';
import * as requestLogPath from './2026_12_07_0002_request_log_path.js';
import * as requestLogErrorMessage from './2026_12_07_0003_request_log_error_message.js';
import * as requestLogSpills from './2026_12_07_0004_request_log_spills.js';
import * as requestLogQueuedMs from './2026_12_07_0005_request_log_queued_ms.js';

type Dialect = 'sqlite' | 'postgres';
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations operate on Kysely<any> */
type Up = (db: Kysely<any>, dialect: Dialect) => Promise<void>;

const MIGRATIONS: ReadonlyArray<readonly [string, Up]> = [
  ['2026_11_22_0001_init', init.up],
  ['2026_11_23_0001_control_plane', controlPlane.up],
  ['2026_11_24_0001_usage_covering_index', usageCover.up],
  ['2026_11_25_0001_usage_clustered', usageClustered.up],
  ['2026_11_26_0001_usage_journal_marks', usageJournalMarks.up],
  ['2026_12_04_0001_usage_spool', usageSpool.up],
  ['2026_12_04_0002_key_limits', keyLimits.up],
  ['2026_12_04_0003_usage_cached_reasoning', usageCachedReasoning.up],
  ['2026_12_04_0004_backends', backends.up],
  ['2026_12_04_0005_request_log', requestLog.up],
  ['2026_12_04_0006_request_log_no_model_index', requestLogNoModelIndex.up],
  ['2026_12_05_0001_last_used_in_totals', lastUsedInTotals.up],
  ['2026_12_06_0001_request_log_failures_index', requestLogFailures.up],
  ['2026_12_06_0002_request_log_request_id', requestLogRequestId.up],
  ['2026_12_06_0003_request_log_usage_estimated', requestLogUsageEstimated.up],
  ['2026_12_07_0001_request_log_route', requestLogRoute.up],
  ['2026_12_07_0002_request_log_path', requestLogPath.up],
  ['2026_12_07_0003_request_log_error_message', requestLogErrorMessage.up],
  ['2026_12_07_0004_request_log_spills', requestLogSpills.up],
  ['2026_12_07_0005_request_log_queued_ms', requestLogQueuedMs.up],
];

/** The names of this build's migrations, oldest first. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

/** A Kysely MigrationProvider over the static list, bound to one dialect. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, up] of MIGRATIONS) out[name] = { up: (db) => up(db, dialect) };
      return Promise.resolve(out);
    },
  };
}
