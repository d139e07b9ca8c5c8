// serve's start-up check of the backend: reachable, wrong key, nothing listening.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendProblem, backendWarnings } from '../../src/cli/backend-check.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
beforeAll(async () => {
  sim = createSimulator({ apiKey: 'upstream-key' });
  await sim.listen(0);
});
afterAll(async () => {
  await sim.close();
});

describe('backend start-up check', () => {
  it('is quiet for a backend that answers, names a rejected key, and says when nothing listens', async () => {
    expect(await backendProblem(`${sim.url}/`, 'upstream-key')).toBeUndefined();
    expect(await backendProblem(sim.url, 'wrong')).toBe("answers 401 to the gateway's key: check VLLM_API_KEY");
    const port = sim.port;
    await sim.setRefusing(true);
    expect(await backendWarnings([sim.url], 'upstream-key')).toBe(
      `Backend http://127.0.0.1:${String(port)}: not reachable (ECONNREFUSED). Start vLLM there or set VLLM_BASE_URL; without a GPU, try \`npm run demo\`.\n`,
    );
    await sim.setRefusing(false);
  });
});
