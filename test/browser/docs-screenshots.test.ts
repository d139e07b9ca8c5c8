/**
 * The console with a realistic amount of data (keys, a month of usage, 8 GPUs reporting for
 * the last 15 minutes): it renders every page without errors, and the captures become the
 * README's screenshots. They are written to test-artifacts/browser/docs-*.png on every run,
 * and to docs/images/{keys,usage,gpu}.png when WORV_UPDATE_SCREENSHOTS=1.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTime, utcDay } from '../../src/core/clock.js';
import { insertGpuSamples } from '../../src/store/gpu-samples.repo.js';
import { recordUsage, type UsageIncrement } from '../../src/store/usage.repo.js';
import type { Stack } from '../helpers/harness.js';
import { ROOT, openConsolePage, screenshot, signIn, startConsoleStack, type ConsolePage } from './browser-harness.js';

const UPDATE_DOCS = process.env.WORV_UPDATE_SCREENSHOTS === '1';
const DAY_MS = 86_400_000;

/** Deterministic noise in [0, 1): the screenshots stay the same from run to run. */
function noise(n: number): number {
  const x = Math.sin(n * 12.9898) * 43_758.5453;
  return x - Math.floor(x);
}

const KEYS = [
  { name: 'claude-code (platform team)', weight: 1.0 },
  { name: 'open-webui', weight: 0.55 },
  { name: 'ci-evals', weight: 0.35 },
  { name: 'alice-laptop', weight: 0.12 },
  { name: 'batch-summaries', weight: 0.6 },
] as const;

async function seed(stack: Stack): Promise<void> {
  const now = Date.now();
  const ids: string[] = [];
  for (const k of KEYS) ids.push((await stack.createKey(k.name)).id);
  await stack.revokeKey(ids[3]!);

  const increments: UsageIncrement[] = [];
  for (let d = 29; d >= 0; d--) {
    const at = now - d * DAY_MS;
    const weekday = new Date(at).getUTCDay();
    const busy = weekday === 0 || weekday === 6 ? 0.35 : 1;
    KEYS.forEach((k, i) => {
      if (i === 3 && d < 6) return; // deactivated a week ago
      if (i === 4 && d > 12) return; // started two weeks ago
      const requests = Math.round((300 + 900 * noise(d * 7 + i)) * k.weight * busy);
      increments.push({
        keyId: ids[i]!,
        day: utcDay(at),
        requests,
        promptTokens: Math.round(requests * (2200 + 1800 * noise(d + i * 31))),
        completionTokens: Math.round(requests * (380 + 260 * noise(d * 3 + i))),
        usedAt: isoTime(d === 0 ? now - (i + 1) * 95_000 : at),
      });
    });
  }
  await recordUsage(stack.store, increments);

  for (let t = now - 15 * 60_000; t <= now; t += 10_000) {
    const step = (t - now) / 60_000;
    await insertGpuSamples(
      stack.store.db,
      'gpu-node-1',
      isoTime(t),
      Array.from({ length: 8 }, (_, index) => {
        const load = Math.max(3, Math.min(100, 72 + 22 * Math.sin(step / 2.5 + index * 0.8) + 8 * (noise(t / 10_000 + index) - 0.5)));
        return {
          index,
          name: 'NVIDIA B200',
          utilizationPct: Math.round(load),
          memoryUsedMib: 170_400 + index * 310,
          memoryTotalMib: 183_359,
          temperatureC: Math.round(44 + load * 0.3),
          powerW: Math.round(310 + load * 6.4),
        };
      }),
    );
  }
}

let stack: Stack;
let ui: ConsolePage;
let page: Page;
let errors: string[];

beforeAll(async () => {
  stack = await startConsoleStack({ simulator: { model: 'DeepSeek-V4-Pro' } });
  await seed(stack);
  ui = await openConsolePage(stack.gatewayUrl, { width: 1280, height: 900 });
  ({ page, errors } = ui);
  await page.goto('/');
  await signIn(page);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await stack?.close();
});

async function capture(name: 'keys' | 'usage' | 'gpu', fullPage: boolean): Promise<void> {
  const path = await screenshot(page, `docs-${name}`, fullPage);
  if (UPDATE_DOCS) {
    mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
    copyFileSync(path, join(ROOT, 'docs', 'images', `${name}.png`));
  }
}

describe('console with a month of data', () => {
  it('keys: every key with its counters', async () => {
    await page.goto('/keys');
    await page.getByRole('row', { name: /batch-summaries/ }).waitFor();
    expect(await page.getByRole('row').count()).toBe(KEYS.length + 1);
    expect(await page.getByText('Inactive').count()).toBe(1);
    await capture('keys', true);
    expect(errors).toEqual([]);
  });

  it('usage: thirty days drawn, one row per key', async () => {
    await page.goto('/usage');
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.getByRole('region', { name: 'Per key' }).getByRole('row').count()).toBe(KEYS.length + 1);
    await capture('usage', true);
    expect(errors).toEqual([]);
  });

  it('gpu: eight cards with fifteen minutes of history', async () => {
    await page.goto('/gpu');
    await page.locator('article.gpu-card').nth(7).waitFor();
    expect(await page.locator('article.gpu-card canvas').count()).toBe(16);
    await capture('gpu', false);
    expect(errors).toEqual([]);
  });
});
