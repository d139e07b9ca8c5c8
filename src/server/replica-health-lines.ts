/** The log lines of a replica going out of use (warn, with why) and coming back (info). */
import type { Logger } from 'pino';
import type { ReplicaHealthChange } from '../data-plane/replica-health-log.js';

export function replicaHealthLines(logger: Logger): (c: ReplicaHealthChange) => void {
  return (c) => {
    if (c.inUse) logger.info({ replica: c.replica, was: c.was }, 'replica back in use');
    else logger.warn({ replica: c.replica, health: c.health, reason: c.reason }, 'replica out of use: no new requests go to it');
  };
}
