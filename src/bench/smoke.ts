/**
 * Before measuring, one small request to every target: a target that does not answer 200
 * (for instance a gateway whose /v1 is not built yet) is left out of every case, with the
 * reason in the report, instead of being "measured" answering errors.
 */
import { request } from 'node:http';
import type { Target } from './targets.js';

/** Sends one non-streaming chat; resolves to undefined when it got 200, else a reason. */
export function smokeTest(t: Target, body: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: t.port, method: 'POST', path: '/v1/chat/completions', headers: { ...t.headers, 'content-type': 'application/json' }, timeout: 10_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d.slice(0, 300)));
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `answers ${res.statusCode ?? '?'} to a chat request: ${text.slice(0, 200)}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => resolve(`request failed: ${e.message}`));
    req.end(body);
  });
}
