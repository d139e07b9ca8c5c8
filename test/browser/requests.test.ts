/**
 * The Requests page in Chromium against the real gateway and the simulator: from a key's row
 * on the Usage page to its failed request of a given minute and that request's details, then
 * the live tail picking up a new request without a reload.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/harness.js';
import { openConsolePage, screenshot, signIn, startConsoleStack, type ConsolePage } from './browser-harness.js';

const MODEL = 'GLM-5.1-FP8';

let stack: Stack;
let ui: ConsolePage;
let page: Page;
let errors: string[];
let alice: { id: string; key: string };
let bob: { id: string; key: string };

beforeAll(async () => {
  stack = await startConsoleStack({ simulator: { model: MODEL, tokens: 8 } });
  ui = await openConsolePage(stack.gatewayUrl);
  ({ page, errors } = ui);
  alice = await stack.createKey('alice');
  bob = await stack.createKey('bob');
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await stack?.close();
});

function chat(key: string, headers: Record<string, string> = {}, stream = false): Promise<Response> {
  return fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'browser-test/1', ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], stream }),
  });
}

describe('Requests page in Chromium', () => {
  it('finds a key\'s failed request by minute from the Usage page and opens its details', async () => {
    for (const r of [await chat(alice.key), await chat(bob.key)]) {
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const failed = await chat(alice.key, { 'x-sim-fault': 'drop' });
    expect(failed.status).toBe(502);
    await failed.arrayBuffer();
    const minute = new Date().toISOString().slice(0, 16);

    await page.goto('/usage');
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
    // The range is kept in the address: Back from the requests shows the same one.
    await page.getByRole('button', { name: '7 days' }).click();
    await page.waitForURL((u) => u.search.startsWith('?from='));
    const usageAddress = page.url();
    await page.getByRole('link', { name: 'Requests of alice' }).click();
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
    expect(page.url()).toBe(usageAddress);
    expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');
    // Click 1: the key's requests.
    await page.getByRole('link', { name: 'Requests of alice' }).click();
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    expect(new URL(page.url()).search).toBe(`?key_id=${alice.id}`);
    // In-app, as the navigation's links: no reload, and focus on the new page's heading.
    await expect.poll(() => page.evaluate('document.activeElement.tagName + " " + document.activeElement.textContent')).toBe('H1 Requests');
    const table = page.locator('table.requests-table');
    await table.locator('tbody tr').nth(1).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(2);
    // Click 2: one minute, then the minute the user reported.
    await page.getByRole('button', { name: 'One minute' }).click();
    await page.getByLabel('Minute (UTC)').fill(minute);
    await page.waitForURL((u) => u.search.includes('minute='));
    const row = table.locator('tbody tr', { hasText: '502' });
    await row.waitFor();
    expect(await row.innerText()).toContain('upstream_error');
    expect(await row.innerText()).toContain('alice');
    await screenshot(page, 'requests-01-filtered');

    await row.getByRole('button', { name: /^Details of the request at / }).click();
    const dialog = page.getByRole('dialog', { name: 'Request' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const want of ['alice', '502', 'upstream-error', 'upstream_error', stack.sim.url, 'browser-test/1', MODEL]) expect(text).toContain(want);
    await screenshot(page, 'requests-02-details');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('live tail adds a new request at the top without a reload', async () => {
    await page.getByRole('button', { name: 'Any time' }).click();
    const table = page.locator('table.requests-table');
    // The key's two requests, in every minute.
    await page.waitForURL((u) => !u.search.includes('minute='));
    // The URL changes first; the rows of the wider filter come with the fetch after it.
    await table.locator('tbody tr').nth(1).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(2);
    await page.getByRole('switch', { name: 'Live tail' }).check();
    const res = await chat(alice.key, { 'x-sim-fault': 'status:503' });
    expect(res.status).toBe(503);
    await res.arrayBuffer();
    await table.locator('tbody tr').nth(2).waitFor({ timeout: 8000 });
    expect(await table.locator('tbody tr').first().innerText()).toContain('503');
    // A stream the backend ends with an error event after its 200 head: marked as failed, with the result named.
    const broken = await chat(alice.key, { 'x-sim-fault': 'error:2' }, true);
    expect(broken.status).toBe(200);
    await broken.arrayBuffer().catch(() => undefined);
    await table.locator('tbody tr').nth(3).waitFor({ timeout: 8000 });
    const top = table.locator('tbody tr').first();
    expect(await top.locator('.badge-error').innerText()).toBe('200');
    expect(await top.innerText()).toContain('200 upstream-error');
    await screenshot(page, 'requests-03-live');
    expect(errors).toEqual([]);
  });

  it('marks the token counts of a stream that ended without the backend usage as estimated', async () => {
    const table = page.locator('table.requests-table');
    const before = await table.locator('tbody tr').count();
    // The backend ends the stream with an error event after four events: no usage chunk.
    const res = await chat(alice.key, { 'x-sim-fault': 'error:4' }, true);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Simulated error during generation');
    await table.locator('tbody tr').nth(before).waitFor({ timeout: 8000 });
    const row = table.locator('tbody tr').first();
    expect(await row.innerText()).toMatch(/≈ \d+ \/ 3/);
    await row.getByRole('button', { name: /^Details of the request at / }).click();
    const dialog = page.getByRole('dialog', { name: 'Request' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('estimated: the stream ended without the backend’s usage');
    // The one replica of the model served it.
    expect(await dialog.innerText()).toMatch(/Routed to it as\s+the model’s only replica/);
    expect(await dialog.innerText()).toMatch(/Path\s+\/v1\/chat\/completions/);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(errors).toEqual([]);
  });

  it('names the path of a request to an endpoint the gateway forwards unread', async () => {
    const table = page.locator('table.requests-table');
    const before = await table.locator('tbody tr').count();
    const res = await fetch(`${stack.gatewayUrl}/v1/rerank?top_n=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, query: 'q', documents: ['a'] }),
    });
    expect(res.status).toBe(404); // the simulator serves no rerank
    await res.arrayBuffer();
    await table.locator('tbody tr').nth(before).waitFor({ timeout: 8000 });
    // The Endpoint column says which endpoint, not just `other`.
    expect(await table.locator('tbody tr').first().locator('td').nth(2).innerText()).toBe('/v1/rerank');
    expect(errors).toEqual([]);
  });

  it('a range that ends before it starts says so, alone: no empty table, no retry', async () => {
    await page.getByRole('switch', { name: 'Live tail' }).uncheck();
    await page.getByRole('button', { name: 'Range' }).click();
    await page.getByLabel('From (UTC)').fill('2026-12-05T10:00');
    await page.getByLabel('To (UTC)').fill('2026-12-04T10:00');
    const alert = page.getByRole('alert').filter({ hasText: 'The range ends before it starts' });
    await alert.waitFor();
    expect(await alert.innerText()).toBe('The range ends before it starts: set From before To.');
    expect(await page.getByText('No requests match.').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
  });

  it('opens one request from its id in a link, a status the list does not offer, and ignores a minute that does not exist', async () => {
    const res = await chat(bob.key);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id')!;
    const table = page.locator('table.requests-table');
    await page.goto(`/requests?request_id=${id}`);
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 8000 }).toBe(1);
    expect(await page.getByLabel('Request id').inputValue()).toBe(id);
    expect(new URL(page.url()).search).toBe(`?request_id=${id}`);
    // The replica filter: everything alice and bob sent went to the one simulator.
    await page.getByLabel('Request id').fill('');
    await page.getByLabel('Replica').fill(stack.sim.url);
    await page.waitForURL((u) => u.searchParams.get('backend') === stack.sim.url);
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 8000 }).toBeGreaterThan(3);
    await page.goto('/requests?status=502');
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 8000 }).toBe(1);
    expect(await page.getByLabel('Status').inputValue()).toBe('502');
    await page.goto('/requests?status=2xx');
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('2xx');
    expect(new URL(page.url()).search).toBe('?status=2xx');
    await page.goto('/requests?minute=2026-13-45T99:99');
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await table.locator('tbody tr').first().waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(errors).toEqual([]);
  });
});
