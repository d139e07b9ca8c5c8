/**
 * Browser test support: builds the console when web/dist is missing, starts the full stack
 * (simulator + gateway serving the console) with an admin user, drives Debian's chromium
 * through playwright-core, records console errors, and saves screenshots under
 * test-artifacts/browser/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack, type StackOptions } from '../helpers/harness.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
export const ADMIN = { username: 'admin', password: 'correct-horse-battery' } as const;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Build web/dist once if it is missing (`npm test` builds it before vitest runs). */
export async function ensureConsoleBuilt(): Promise<string> {
  const dist = join(ROOT, 'web', 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  }
  return dist;
}

/** The stack with an admin user (ADMIN_USERNAME/ADMIN_PASSWORD) and the built console. */
export async function startConsoleStack(opts: StackOptions = {}): Promise<Stack> {
  const consoleDir = await ensureConsoleBuilt();
  return startStack({
    ...opts,
    env: { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, CONSOLE_DIR: consoleDir, ...opts.env },
  });
}

/**
 * Chromium with a fresh profile: playwright's launch() gives every browser its own new
 * temporary --user-data-dir and removes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A context whose origin may use the clipboard (the copy button), at a desktop size. */
export function newConsoleContext(browser: Browser, baseURL: string, viewport = { width: 1280, height: 860 }): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport, locale: 'en-US', timezoneId: 'Europe/Berlin', permissions: ['clipboard-read', 'clipboard-write'] });
}

/** A signed-out console page in its own Chromium, with the errors it logs recorded. */
export interface ConsolePage {
  readonly page: Page;
  /** What recordErrors has seen on `page`. */
  readonly errors: string[];
  /** Closes the context and the browser. */
  close(): Promise<void>;
}

/** Chromium, a console context at `viewport` and one page in it (actions time out after 10 s). */
export async function openConsolePage(baseURL: string, viewport?: { width: number; height: number }): Promise<ConsolePage> {
  const browser = await launchChromium();
  try {
    const context = await newConsoleContext(browser, baseURL, viewport);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors = recordErrors(page);
    return {
      page,
      errors,
      async close() {
        await context.close();
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/**
 * Network answers the console expects and handles (anonymous /api/me is 401 by contract; a
 * refused login is 401 or 429): Chromium logs them as console errors, but they are not faults.
 */
const EXPECTED_NETWORK = /Failed to load resource: the server responded with a status of (401|429)/;

/** Console errors, uncaught exceptions and CSP violations seen by a page. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if ((msg.type() === 'error' || msg.type() === 'warning') && !EXPECTED_NETWORK.test(msg.text())) errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Save a full-page screenshot as test-artifacts/browser/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // A sticky header would otherwise be painted mid-page in a full-page capture.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage });
  return path;
}

/** Sign in through the form (the page must show it). */
export async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** POST one GPU-agent reading with an API key, as `worv-proxy gpu-agent` does. */
export async function postGpuStats(gatewayUrl: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${gatewayUrl}/api/gpu-stats`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** An 8-GPU-style reading for `count` GPUs whose load follows `phase` (0..1). */
export function gpuReading(count: number, phase: number): { host: string; gpus: unknown[] } {
  return {
    host: 'gpu-node-1',
    gpus: Array.from({ length: count }, (_, index) => {
      const load = Math.round(55 + 40 * Math.sin(phase * Math.PI * 2 + index * 0.7));
      return {
        index,
        name: 'NVIDIA B200',
        utilization_pct: load,
        memory_used_mib: 168_000 + index * 900,
        memory_total_mib: 183_359,
        temperature_c: 48 + Math.round(load / 4),
        power_w: 380 + load * 6,
      };
    }),
  };
}
