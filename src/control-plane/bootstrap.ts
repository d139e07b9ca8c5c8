/**
 * Control-plane start-up: settle the session secret (SESSION_SECRET, else one generated and
 * stored on first start so replicas and restarts agree), apply ADMIN_USERNAME/ADMIN_PASSWORD,
 * say how to create an admin when there is none (there is no default password), and sweep
 * expired sessions and GPU samples past retention.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { isoTime, type Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { countAdminUsers } from '../store/admin-users.repo.js';
import type { Store } from '../store/db.js';
import { pruneGpuSamples } from '../store/gpu-samples.repo.js';
import { deleteExpiredSessions } from '../store/sessions.repo.js';
import { getOrCreateSetting } from '../store/settings.repo.js';
import { setAdminPassword } from './admin-account.js';

const SESSION_SECRET_SETTING = 'session_secret';

/** Logged at start while no admin user exists. */
export const NO_ADMIN_NOTICE =
  "No admin user exists, so nobody can sign in to the admin console. Create one with `worv-proxy admin set-password --username admin --password '<at least 8 characters>'`, or set ADMIN_USERNAME and ADMIN_PASSWORD and restart.";

export interface BootstrapResult {
  readonly sessionSecret: string;
}

export async function bootstrapControlPlane(config: Config, store: Store, clock: Clock, log: FastifyBaseLogger): Promise<BootstrapResult> {
  const sessionSecret =
    config.sessionSecret ?? (await getOrCreateSetting(store.db, SESSION_SECRET_SETTING, () => randomBytes(32).toString('base64url')));
  if (config.admin !== undefined) {
    const outcome = await setAdminPassword(store, clock, config.admin.username, config.admin.password);
    if (outcome !== 'unchanged') log.info(`admin user ${config.admin.username} ${outcome} from ADMIN_USERNAME/ADMIN_PASSWORD`);
  }
  if ((await countAdminUsers(store.db)) === 0) log.warn(NO_ADMIN_NOTICE);
  const now = clock.now();
  await deleteExpiredSessions(store.db, isoTime(now));
  await pruneGpuSamples(store.db, isoTime(now - config.gpuRetentionDays * 86_400_000));
  return { sessionSecret };
}
