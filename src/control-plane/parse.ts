/**
 * Validation at the /api boundary: a zod schema from the shared contract either yields the
 * typed value or a 400 whose message is the contract's.
 */
import type { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import { firstIssueMessage } from '../shared/api-contract.js';

/** Parse `value` with `schema`; throws GatewayError('invalid_request') with the first issue's message. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const res = schema.safeParse(value);
  if (!res.success) throw new GatewayError('invalid_request', firstIssueMessage(res.error));
  return res.data;
}
