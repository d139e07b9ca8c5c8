import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DrainClose } from './drain-close.js';
import { Exchange, type ExchangeEnv } from './exchange.js';

/** An exchange over an unconnected socket, with the env's per-key counting recorded. */
function exchange(): { x: Exchange; counted: Array<[string, string | undefined]> } {
  const counted: Array<[string, string | undefined]> = [];
  const env = {
    onIdentified: (keyId: string) => counted.push(['+', keyId]),
    onDone: (keyId: string | undefined) => counted.push(['-', keyId]),
    drainClose: new DrainClose(),
  } as unknown as ExchangeEnv;
  const req = new IncomingMessage(new Socket());
  return { x: new Exchange(env, req, new ServerResponse(req)), counted };
}

describe('Exchange: a key\'s requests in flight', () => {
  it('counts a request in when authenticated and out when it is over', () => {
    const { x, counted } = exchange();
    x.identify({ id: 'k1', name: 'laptop' });
    x.clientClosed();
    expect(counted).toEqual([['+', 'k1'], ['-', 'k1']]);
  });

  it('a client that left while its key was looked up is not counted in afterwards (nothing would count it out)', () => {
    const { x, counted } = exchange();
    x.clientClosed();
    x.identify({ id: 'k1', name: 'laptop' });
    expect(counted).toEqual([['-', undefined]]);
  });
});
