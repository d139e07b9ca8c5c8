/**
 * The admin console in a real browser (Debian's chromium via playwright-core) against the
 * real gateway and the simulator: sign in, keys, usage, GPU telemetry, status, the streaming
 * playground, keyboard use and a phone-width screen. The tests run in order and share one
 * signed-in page; each saves a screenshot under test-artifacts/browser/.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/harness.js';
import { gpuReading, openConsolePage, postGpuStats, screenshot, signIn, startConsoleStack, type ConsolePage } from './browser-harness.js';

const MODEL = 'DeepSeek-V4-Pro';

let stack: Stack;
let ui: ConsolePage;
let page: Page;
let errors: string[];
/** The key created through the console in the keys test, used by the later tests. */
let key = '';

beforeAll(async () => {
  stack = await startConsoleStack({ simulator: { model: MODEL, tokens: 60, reasoningTokens: 12, itlMs: 30 } });
  ui = await openConsolePage(stack.gatewayUrl);
  ({ page, errors } = ui);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await stack?.close();
});

afterEach(() => {
  // No script errors, failed assets or CSP violations on any page the test visited.
  const seen = [...errors];
  errors.length = 0;
  expect(seen).toEqual([]);
});

async function go(linkName: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: linkName }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function v1(path: string, apiKey: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.gatewayUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('admin console in Chromium', () => {
  it('signs in, explaining a wrong password first', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await screenshot(page, '01-login-error');

    await signIn(page);
    expect(new URL(page.url()).pathname).toBe('/keys');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByText('No API keys yet').waitFor();
    await screenshot(page, '02-keys-empty');
  });

  it('creates a key and shows the full key exactly once, with a working copy button', async () => {
    await page.getByRole('button', { name: 'Create key' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Create API key' }).waitFor();
    await dialog.getByLabel('Name').fill('ci-runner');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByRole('heading', { name: 'Key created' }).waitFor();
    key = (await dialog.getByTestId('new-key').textContent()) ?? '';
    expect(key).toMatch(/^wp-\S{20,}$/);
    await dialog.getByText('You won’t see this key again.').waitFor();
    // The focus is on the one-time key's copy button, where the operator acts next.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Copy key');

    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await screenshot(page, '03-key-created');

    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /ci-runner/ });
    await row.waitFor();
    const prefix = (await row.locator('code.key-prefix').textContent()) ?? '';
    expect(prefix).toMatch(/^wp-\S+…$/);
    expect(key.startsWith(prefix.slice(0, -1))).toBe(true);
    // State, created, last used, requests, tokens (total, then prompt in · completion out).
    const cells = await row.getByRole('cell').allInnerTexts();
    expect(cells[0]).toBe('Active');
    expect(cells.slice(2, 5)).toEqual(['Never', '0', '0\n0 in · 0 out']);
    // Once the dialog is closed, the full key is nowhere on the page.
    expect(await page.content()).not.toContain(key);
    await screenshot(page, '04-keys');
  });

  it('shows a request made with the key through /v1 in usage, and exports it as CSV', async () => {
    const res = await v1('/v1/chat/completions', key, { model: MODEL, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64 });
    expect(res.status).toBe(200);
    const usage = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const fmt = (n: number) => new Intl.NumberFormat('en-US').format(n);

    await go('Usage', 'Usage');
    const totals = page.getByRole('region', { name: 'Totals for the range' });
    await totals.locator('.stat-value').first().filter({ hasText: /^1$/ }).waitFor();
    expect(await totals.locator('.stat').allInnerTexts()).toEqual([
      'REQUESTS\n1',
      `PROMPT TOKENS\n${fmt(usage.prompt_tokens)}`,
      `COMPLETION TOKENS\n${fmt(usage.completion_tokens)}`,
      `TOTAL TOKENS\n${fmt(usage.prompt_tokens + usage.completion_tokens)}`,
      // The simulator reports no token details here: nothing cached, no reasoning count.
      'CACHED PROMPT TOKENS\n0',
      'REASONING TOKENS\n0',
    ]);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    const keyRow = page.getByRole('region', { name: 'Per key' }).getByRole('row', { name: /ci-runner/ });
    expect((await keyRow.getByRole('cell').allInnerTexts()).slice(1, 7)).toEqual([
      '1',
      fmt(usage.prompt_tokens),
      fmt(usage.completion_tokens),
      '0',
      '0',
      fmt(usage.prompt_tokens + usage.completion_tokens),
    ]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^worv-usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(csv[0]).toBe('date,key_id,key_name,key_prefix,requests,prompt_tokens,completion_tokens,total_tokens,cached_tokens,reasoning_tokens');
    expect(csv[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2},[^,]+,ci-runner,wp-[^,]+,1,${usage.prompt_tokens},${usage.completion_tokens},${usage.prompt_tokens + usage.completion_tokens},0,0$`));
    await screenshot(page, '05-usage');

    await go('API keys', 'API keys');
    const row = page.getByRole('row', { name: /ci-runner/ });
    await row.getByRole('cell', { name: 'Never' }).waitFor({ state: 'detached' });
    expect((await row.getByRole('cell').allInnerTexts())[3]).toBe('1');
  });

  it('GPU telemetry: says how to start the agent, then shows live cards without layout shift', async () => {
    await go('GPU telemetry', 'GPU telemetry');
    await page.getByText('No GPU data yet — run the gpu-agent').waitFor();
    await page.getByText(`npx worv-proxy gpu-agent --url ${stack.gatewayUrl} --key YOUR_API_KEY --interval 5`).waitFor();
    await screenshot(page, '06-gpu-empty');

    const first = await postGpuStats(stack.gatewayUrl, key, gpuReading(2, 0));
    expect(first.status).toBe(200);
    expect(((await first.json()) as { stored: number }).stored).toBe(2);
    // The page refreshes by itself every 5 s.
    const cards = page.locator('article.gpu-card');
    await cards.nth(1).waitFor({ timeout: 12_000 });
    expect(await cards.count()).toBe(2);
    const card0 = cards.nth(0);
    await card0.getByRole('heading', { name: /GPU 0/ }).waitFor();
    expect(await card0.locator('.gpu-tile').allInnerTexts()).toEqual([
      'UTILISATION\n55 %\n\u00a0',
      'MEMORY\n91.6 %\n164.1 / 179.1 GiB',
      'TEMPERATURE\n62 °C\n\u00a0',
      'POWER\n710 W\n\u00a0',
    ]);
    expect(await card0.locator('canvas').count()).toBe(2);

    // Measure layout shift across a live refresh that changes every value.
    // Page scripts are strings: the server-side type check has no DOM library.
    await page.evaluate(`
      window.__shift = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__shift += e.value;
      }).observe({ type: 'layout-shift' });
    `);
    const before = await card0.boundingBox();
    expect((await postGpuStats(stack.gatewayUrl, key, gpuReading(2, 0.3))).status).toBe(200);
    await card0.locator('.gpu-tile-value').first().filter({ hasText: '93 %' }).waitFor({ timeout: 12_000 });
    expect(await card0.boundingBox()).toEqual(before);
    expect(await page.evaluate('window.__shift')).toBe(0);
    await screenshot(page, '07-gpu');
  });

  it('playground: streams token by token with reasoning apart, and Stop aborts the request', async () => {
    await go('Playground', 'Playground');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Detect' }).click();
    await expect.poll(() => page.getByLabel('Model').inputValue()).toBe(MODEL);

    // Normal variant over OpenAI chat completions.
    await page.getByLabel('Message', { exact: true }).fill('Hello there');
    const [sent] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions')), page.getByRole('button', { name: 'Send' }).click()]);
    expect(sent.postDataJSON()).toMatchObject({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'Hello there' }] });
    const reply = page.locator('.bubble-assistant').last();
    // Partial text is on screen while the stream is still open: it is rendered as it arrives.
    await page.locator('.bubble-assistant[data-status=streaming] [data-testid=answer]').filter({ hasText: /\S/ }).waitFor();
    await reply.and(page.locator('[data-status=done]')).waitFor();
    const answer = (await reply.getByTestId('answer').textContent()) ?? '';
    const reasoning = (await reply.getByTestId('reasoning').textContent()) ?? '';
    expect(answer.length).toBeGreaterThan(20);
    expect(reasoning.length).toBeGreaterThan(5);
    expect(answer).not.toContain(reasoning);
    expect(await reply.locator('.reply-meta').textContent()).toMatch(/prompt \+ \d+ completion tokens/);

    // Non-thinking: the model-name suffix, and no reasoning comes back.
    await page.getByLabel('Non-thinking').check();
    await page.getByLabel('Message', { exact: true }).fill('Short answer please');
    const [sentNt] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions')), page.getByRole('button', { name: 'Send' }).click()]);
    expect(sentNt.postDataJSON()).toMatchObject({ model: `${MODEL}-nonthinking` });
    const replyNt = page.locator('.bubble-assistant').last();
    await replyNt.and(page.locator('[data-status=done]')).waitFor();
    expect(await replyNt.getByTestId('reasoning').count()).toBe(0);
    await screenshot(page, '08-playground');

    // Think Max over Anthropic messages, stopped mid-stream. The simulator holds the stream
    // after 20 events (`x-sim-hold`, added on the wire), so Stop lands mid-answer every time.
    await page.getByLabel('Think Max').check();
    await page.getByLabel('Anthropic messages').check();
    await page.route('**/v1/messages', (route) =>
      route.continue({ headers: { ...route.request().headers(), 'x-sim-hold': 'playground-stop', 'x-sim-hold-after': '20' } }),
    );
    await page.getByLabel('Message', { exact: true }).fill('Think hard, then answer at length');
    const [sentMax] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/v1/messages')), page.getByRole('button', { name: 'Send' }).click()]);
    expect(sentMax.postDataJSON()).toMatchObject({ model: MODEL, stream: true, output_config: { effort: 'max' } });
    const hold = await stack.sim.waitForHold('playground-stop');
    const replyMax = page.locator('.bubble-assistant').last();
    await replyMax.and(page.locator('[data-status=streaming]')).getByTestId('answer').filter({ hasText: /\S/ }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await replyMax.and(page.locator('[data-status=stopped]')).waitFor();
    await replyMax.getByText('Stopped — the request was aborted').waitFor();
    // The browser's abort reached the backend: the simulator saw its client go away.
    expect(await hold.request.closed).toBe('aborted');
    await page.unroute('**/v1/messages');
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await screenshot(page, '09-playground-stopped');
  });

  it('sets limits, renames, deactivates (the key stops working), reactivates and deletes after confirmation', async () => {
    await go('API keys', 'API keys');
    const dialog = page.getByRole('dialog');
    // Typed at once after the dialog opens: what is typed is what is saved, and shown again.
    await page.getByRole('button', { name: 'Limits of ci-runner' }).click();
    await dialog.getByLabel('Requests per minute').fill('6000');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Limits of ci-runner saved; they apply within a second.' }).waitFor();
    await page.getByRole('button', { name: 'Limits of ci-runner' }).click();
    expect(await dialog.getByLabel('Requests per minute').inputValue()).toBe('6000');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Rename ci-runner' }).click();
    await dialog.getByLabel('Name').fill('ci-runner-2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Said with what the dialog shows if it stays open (an error, or the name it holds).
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(async (err: unknown) => {
      throw new Error(`the rename dialog stayed open: ${await dialog.innerText()} (name field: ${await dialog.getByLabel('Name').inputValue()})`, { cause: err });
    });
    await page.getByRole('status').filter({ hasText: 'Renamed to ci-runner-2.' }).waitFor();
    const row = page.getByRole('row', { name: /ci-runner-2/ });

    await page.getByRole('button', { name: 'Deactivate ci-runner-2' }).click();
    await row.getByText('Inactive').waitFor();
    await expect.poll(async () => (await v1('/v1/models', key)).status, { timeout: 5000, interval: 200 }).toBe(401);

    await page.getByRole('button', { name: 'Activate ci-runner-2' }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    await expect.poll(async () => (await v1('/v1/models', key)).status, { timeout: 5000, interval: 200 }).toBe(200);

    await page.getByRole('button', { name: 'Delete ci-runner-2' }).click();
    await dialog.getByRole('heading', { name: 'Delete key?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await row.count()).toBe(1);
    // Cancelled, the focus goes back to the button that opened the dialog.
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Delete ci-runner-2');

    await page.getByRole('button', { name: 'Delete ci-runner-2' }).click();
    await dialog.getByText('will stop working within a second').waitFor();
    await screenshot(page, '10-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByText('ci-runner-2 was deleted.').waitFor();
    // The button that opened the dialog is gone with its row: the focus is on the page's heading.
    expect(await page.evaluate('document.activeElement.tagName + " " + document.activeElement.textContent')).toBe('H1 API keys');
    await expect.poll(async () => (await v1('/v1/models', key)).status, { timeout: 5000, interval: 200 }).toBe(401);
  });

  it('status: live model, backend health and latency, version, uptime, in-flight requests', async () => {
    await go('Status', 'Status');
    await page.getByTestId('status-model').getByText(MODEL).waitFor();
    await page.getByTestId('status-backend').getByText('Healthy').waitFor();
    expect(await page.getByTestId('status-backend').innerText()).toMatch(/\d+ ms/);
    await page.getByTestId('status-models').getByText('Serving').waitFor();
    expect(await page.getByTestId('status-models').innerText()).toBe(`MODELS\nServing\n${MODEL} 1/1 replicas up`);
    expect(await page.getByTestId('status-inflight').innerText()).toMatch(/^IN-FLIGHT REQUESTS\n0$/);
    expect(await page.getByTestId('status-store').innerText()).toBe('STORE\nAnswering\nkeys, usage and the request log are saved');
    await page.getByText('VERSION').waitFor();
    await screenshot(page, '11-status');
  });

  it('works from the keyboard: skip link, navigation with focus on the heading, dialogs close on Escape', async () => {
    await page.goto('/keys');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Create key');
    // A visible focus ring on the focused control.
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await screenshot(page, '12-keyboard-focus', false);
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByLabel('Name').waitFor();
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('name');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Create key');

    await page.getByRole('link', { name: 'Usage' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
    expect(await page.evaluate("document.activeElement?.tagName + ':' + document.activeElement?.textContent")).toBe('H1:Usage');
    expect(new URL(page.url()).pathname).toBe('/usage');
  });

  it('fits a phone-width screen on every page, deep links included', async () => {
    // Rows wider than the screen in the keys and usage tables: they scroll inside their card.
    const wide = await stack.createKey('a-key-with-a-name-long-enough-to-widen-its-table-row');
    await (await v1('/v1/models', wide.key)).arrayBuffer();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, heading] of [
      ['/keys', 'API keys'],
      ['/usage', 'Usage'],
      ['/requests', 'Requests'],
      ['/gpu', 'GPU telemetry'],
      ['/status', 'Status'],
      ['/playground', 'Playground'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${path} scrolls sideways`).toBe(0);
      await screenshot(page, `13-phone${path.replace('/', '-')}`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('a session that ends while the console is open: the next call lands on sign-in, which says so', async () => {
    await go('API keys', 'API keys');
    await stack.store.db.deleteFrom('sessions').execute();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Your session has ended (it expired, or the password was changed). Sign in again; a change you were making was not saved.',
    );
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
  });

  it('explains the sign-in lock-out after too many attempts (429)', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong-password');
    // The limit counts per fixed clock minute, so a new minute may start mid-loop: allow two.
    for (let i = 0; i < 25; i++) {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/login')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      if (res.status() === 429) break;
      expect(res.status()).toBe(401);
    }
    const alert = page.getByRole('alert').filter({ hasText: 'Too many sign-in attempts' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^Too many sign-in attempts from this address\. The gateway allows 10 per minute; wait (\d+ seconds|a minute) and try again\. Sign-in attempts are limited per address/,
    );
    await screenshot(page, '14-login-locked-out');
  });
});
