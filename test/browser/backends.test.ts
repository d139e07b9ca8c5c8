/**
 * The console's Backends page in Chromium against the real gateway and simulators: replica
 * rows with health and engine metrics and a sparkline of the last samples, a refused URL
 * explained, a backend added (its model appears) and removed (its row goes).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Stack } from '../helpers/harness.js';
import { openConsolePage, screenshot, signIn, startConsoleStack, type ConsolePage } from './browser-harness.js';

let stack: Stack;
let kimi: Simulator;
let ui: ConsolePage;
let page: Page;
let errors: string[];

beforeAll(async () => {
  kimi = createSimulator({ model: 'Kimi-K2.6' });
  await kimi.listen(0, '127.0.0.1');
  stack = await startConsoleStack({ simulator: { model: 'GLM-5.1', prefixCacheBlocks: 64 }, env: { PROXY_HEALTH_INTERVAL: '0.3' } });
  ui = await openConsolePage(stack.gatewayUrl);
  ({ page, errors } = ui);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await stack?.close();
  await kimi?.close();
});

const row = (model: string, url: string) => page.locator(`section[data-model="${model}"] tr[data-replica="${url}"]`);

describe('Backends page', () => {
  it('shows each model\'s replicas with health, metrics, routing share and a sparkline', { timeout: 60_000 }, async () => {
    const { key } = await stack.createKey();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'GLM-5.1', messages: [{ role: 'user', content: 'The same long question about primes.' }] }),
      });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    await page.goto('/');
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backends' }).click();
    await page.getByRole('heading', { level: 1, name: 'Backends' }).waitFor();
    const glm = row('GLM-5.1', stack.sim.url);
    await glm.waitFor();
    expect(await glm.getByTestId('replica-health').textContent()).toBe('Up');
    expect(await glm.getByTestId('replica-in-flight').textContent()).toBe('0');
    expect(await glm.getByTestId('replica-waiting').textContent()).toBe('0');
    expect(await glm.getByTestId('replica-kv').textContent()).toMatch(/^\d+(\.\d)? %$/);
    // Three requests with one prompt: the second and third hit the first one's prefix.
    expect(await glm.getByTestId('replica-hits').textContent()).toMatch(/^\d+(\.\d)? %$/);
    expect(await glm.getByTestId('replica-share').textContent()).toBe('100 %3 routed');
    await glm.getByTestId('replica-sparkline').locator('canvas').waitFor();
    expect(await glm.locator('th').textContent()).toBe(`${stack.sim.url}from VLLM_BASE_URL`);
    await screenshot(page, 'backends-01-replicas');
  });

  it('explains a refused URL, adds a backend (its model appears) and removes it (its row goes)', { timeout: 60_000 }, async () => {
    const field = page.getByLabel('Add a backend');
    await field.fill('http://gpu5:8000/v1');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'url must be a bare origin (scheme, host and optional port), without a path, query or fragment' })
      .waitFor();
    // The refusal is the one failed request the browser logs.
    expect(errors.splice(0)).toEqual(['error: Failed to load resource: the server responded with a status of 400 (Bad Request)']);

    await field.fill(kimi.url);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText(`Added ${kimi.url}.`).waitFor();
    const k = row('Kimi-K2.6', kimi.url);
    await k.waitFor();
    await k.getByTestId('replica-health').getByText('Up').waitFor();
    expect(await k.locator('th').textContent()).toBe(`${kimi.url}added at run time`);
    await screenshot(page, 'backends-02-added');

    await page.getByRole('button', { name: `Remove ${kimi.url}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('gets no new request').waitFor();
    // Its model has no other replica: the dialog says what its clients will get.
    expect(await dialog.getByTestId('last-replica-warning').textContent()).toBe(
      'It is the last replica of Kimi-K2.6: until another is added, that model leaves /v1/models and its requests get 404 model does not exist, which clients do not retry. To restart its engine, stop and start it without removing it: its requests then get a retryable 503 meanwhile.',
    );
    await dialog.getByRole('button', { name: 'Remove backend' }).click();
    await page.getByText(`Removed ${kimi.url}.`).waitFor();
    await page.locator(`tr[data-replica="${kimi.url}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('section[data-model]').evaluateAll((s) => s.map((e) => e.getAttribute('data-model')))).toEqual(['GLM-5.1']);
    expect(stack.app.dataPlane.backendsView().replicas.map((r) => r.url)).toEqual([stack.sim.url]);
  });

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/backends');
    await page.getByRole('heading', { level: 1, name: 'Backends' }).waitFor();
    await row('GLM-5.1', stack.sim.url).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await screenshot(page, 'backends-03-phone');
    expect(errors).toEqual([]);
  });
});
