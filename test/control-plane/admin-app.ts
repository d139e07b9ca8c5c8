/**
 * Test fixture for the /api control plane: starts the real app (createApp) on a free port
 * over a temp SQLite file (or a fresh Postgres schema), seeds an admin user, and offers a
 * small cookie-aware HTTP client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { hashPassword } from '../../src/core/password.js';
import { createApp, type App } from '../../src/server/app.js';
import { upsertAdminUser } from '../../src/store/admin-users.repo.js';
import { openStore, type Store } from '../../src/store/db.js';
import { dropSchema, freshSchema, POSTGRES_URL } from '../helpers/dialects.js';

export const ADMIN = { username: 'admin', password: 'correct-horse-battery' } as const;
/** A cheap scrypt cost so tests do not spend seconds hashing. */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 } as const;

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  readonly json: unknown;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Raw body; sent as-is with the given content type. */
  readonly raw?: string;
  readonly contentType?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly headers?: Record<string, string>;
}

export interface Login {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

export interface AdminApp {
  readonly url: string;
  readonly app: App;
  readonly store: Store;
  readonly clock: Clock;
  request(method: string, path: string, opts?: RequestOptions): Promise<Reply>;
  login(username?: string, password?: string, headers?: Record<string, string>): Promise<Login>;
  close(): Promise<void>;
}

/** Where a test app keeps its data; reuse one to restart or to run a second replica. */
export interface StoreSpec {
  readonly env: Record<string, string>;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

export function sqliteFileStore(): StoreSpec {
  const dir = mkdtempSync(join(tmpdir(), 'worv-api-'));
  const path = join(dir, 'proxy.db');
  return {
    env: { DATABASE_URL: `sqlite:${path}` },
    open: () => openStore({ kind: 'sqlite', path }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresStore(): StoreSpec {
  const schema = freshSchema();
  return {
    env: { DATABASE_URL: POSTGRES_URL },
    open: () => openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema }),
    dispose: () => dropSchema(schema),
  };
}

export async function send(base: string, method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie !== undefined) headers.cookie = opts.cookie;
  if (opts.csrf !== undefined) headers['x-csrf-token'] = opts.csrf;
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] = opts.contentType ?? 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** `name=value` of the session cookie in a Set-Cookie header. */
export function cookiePair(setCookie: string | null): string {
  const pair = setCookie?.split(';')[0];
  if (pair === undefined || !pair.startsWith('worv_session=')) throw new Error(`no session cookie in ${String(setCookie)}`);
  return pair;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  /** Default: a fresh temp SQLite file, disposed on close. */
  readonly storeSpec?: StoreSpec;
  /** Seed ADMIN with a cheap hash (default true). */
  readonly seedAdmin?: boolean;
  /** Body bytes the request log's queue may hold. */
  readonly requestLogBodyBytes?: number;
}

export async function startAdminApp(opts: StartOptions = {}): Promise<AdminApp> {
  const ownSpec = opts.storeSpec === undefined;
  const spec = opts.storeSpec ?? sqliteFileStore();
  const clock = opts.clock ?? systemClock;
  const store = await spec.open();
  if (opts.seedAdmin !== false) {
    await upsertAdminUser(store.db, { username: ADMIN.username, passwordHash: await hashPassword(ADMIN.password, CHEAP_SCRYPT), now: new Date(clock.now()).toISOString() });
  }
  const config = loadConfig({ ...spec.env, LOG_LEVEL: 'silent', PORT: '0', ...opts.env });
  const app = await createApp(config, { store, clock, ...(opts.requestLogBodyBytes !== undefined ? { requestLogBodyBytes: opts.requestLogBodyBytes } : {}) });
  const { url } = await app.listen();
  const request = (method: string, path: string, o?: RequestOptions) => send(url, method, path, o);
  return {
    url,
    app,
    store,
    clock,
    request,
    async login(username = ADMIN.username, password = ADMIN.password, headers = {}) {
      const r = await request('POST', '/api/login', { body: { username, password }, headers });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
      const setCookie = r.headers.get('set-cookie') ?? '';
      return { cookie: cookiePair(setCookie), csrf: (r.json as { csrf_token: string }).csrf_token, setCookie };
    },
    async close() {
      await app.close();
      await store.close();
      if (ownSpec) await spec.dispose();
    },
  };
}


export interface AppsOfATest {
  /** Apps started through `start`; a test that closes one itself takes it out of here. */
  readonly apps: AdminApp[];
  /** Store specs a test shares between apps; disposed after those apps are closed. */
  readonly specs: StoreSpec[];
  readonly start: (opts?: StartOptions) => Promise<AdminApp>;
}

/**
 * Registers an afterEach that closes every app the test started and then disposes its shared
 * store specs (apps first: they hold the stores open). Call it at the top of a test file.
 */
export function appsClosedAfterEach(): AppsOfATest {
  const apps: AdminApp[] = [];
  const specs: StoreSpec[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    for (const s of specs.splice(0)) await s.dispose();
  });
  const start = async (opts?: StartOptions): Promise<AdminApp> => {
    const app = await startAdminApp(opts);
    apps.push(app);
    return app;
  };
  return { apps, specs, start };
}
