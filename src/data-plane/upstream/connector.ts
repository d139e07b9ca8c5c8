/**
 * The TCP connector with a connect timeout that fires on time. undici's own connect timeout
 * runs on its coarse timer wheel (about half a second late, up to a second below 1 s); here
 * a native timer destroys the attempt at the setting and reports UND_ERR_CONNECT_TIMEOUT.
 */
import { Socket } from 'node:net';
import { buildConnector, errors } from 'undici';

export function preciseConnector(timeoutMs: number, inner?: buildConnector.connector): buildConnector.connector {
  const base = inner ?? buildConnector({ timeout: 0 });
  if (timeoutMs <= 0) return base;
  return (opts, cb) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      if (pending instanceof Socket) pending.destroy();
      cb(new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${opts.hostname}:${opts.port}, timeout: ${timeoutMs}ms)`), null);
    }, timeoutMs);
    // undici's connector returns the socket it is connecting (its type says void).
    const pending: unknown = base(opts, (...args) => {
      if (settled) {
        if (args[1] !== null) args[1].destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      cb(...args);
    });
  };
}
