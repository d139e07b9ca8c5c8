// deploy/compose.yaml: every health check probes the port its service listens on, every
// wiring variable names a service, port and credentials that exist, the gateway accepts its
// environment, and each vLLM profile runs exactly its launcher's flags on reserved GPUs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { parse } from 'yaml';
import { loadConfig } from '../../src/core/config.js';
import { FAMILIES, launcherArgv } from './vllm-launchers.js';

const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const TEXT = readFileSync(resolve(DEPLOY, 'compose.yaml'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  networks?: Record<string, { aliases?: string[] }>;
  deploy?: { resources: { reservations: { devices: { driver: string; count: string; capabilities: string[] }[] } } };
}
const compose = parse(TEXT, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const vllmServices = Object.entries(services).filter(([name]) => name.startsWith('vllm-'));

/**
 * What compose makes of a value given the variables of `.env`: `${VAR:-default}` takes the
 * default when VAR is unset or empty, `${VAR-default}` only when it is unset; `${VAR:?msg}` and
 * `${VAR}` not given in `vars` become a stand-in value, as if .env set them.
 */
function interpolate(v: string, vars: Record<string, string> = {}): string {
  return v.replace(/\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g, (_, name: string, colon?: string, op?: string, arg?: string) => {
    const given = vars[name];
    if (given !== undefined && !(colon === ':' && given === '')) return given;
    return op === '-' ? (arg ?? '') : `value-of-${name}`;
  });
}
const env = (s: string, vars: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(services[s]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
const healthUrl = (s: Service) => {
  const m = /https?:\/\/[^\s'"]+/.exec((s.healthcheck?.test ?? []).join(' '));
  return m === null ? undefined : new URL(m[0]);
};
const flagValue = (argv: readonly string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe('deploy/compose.yaml', () => {
  it('has the gateway, Postgres, Redis, Open WebUI and one vLLM per model family', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'open-webui', 'postgres', 'redis', 'vllm-deepseek-v4', 'vllm-glm-5', 'vllm-kimi-k2']);
    expect(vllmServices.map(([, s]) => s.profiles)).toEqual(FAMILIES.map((f) => [f]));
    expect(services.gateway?.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
  });

  it('every service has a health check, and HTTP ones probe the port the service listens on', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test[0], name).toMatch(/^CMD/);
    }
    expect(healthUrl(services.gateway!)?.port).toBe(env('gateway').PORT);
    expect(healthUrl(services.gateway!)?.pathname).toBe('/healthz');
    expect(healthUrl(services['open-webui']!)?.port).toBe('8080');
    expect(services['open-webui']?.ports).toEqual(['127.0.0.1:3000:8080']);
    for (const [name, s] of vllmServices) {
      expect(healthUrl(s)?.port, name).toBe(flagValue(s.command ?? [], '--port'));
      expect(healthUrl(s)?.pathname, name).toBe('/health');
    }
    expect(services.postgres?.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', env('postgres').POSTGRES_USER, '-d', env('postgres').POSTGRES_DB]);
    expect(services.redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('wiring variables point at services, ports and credentials that exist', () => {
    const g = env('gateway');
    const db = new URL(g.DATABASE_URL ?? '');
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(env('postgres').POSTGRES_USER);
    // The password is not in the URL (it would need percent-encoding there) but in PGPASSWORD.
    expect(db.password).toBe('');
    expect(g.PGPASSWORD).toBe(env('postgres').POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${env('postgres').POSTGRES_DB}`);
    expect(new URL(g.REDIS_URL ?? '').hostname).toBe('redis');
    const backend = new URL(g.VLLM_BASE_URL ?? '');
    for (const [name, s] of vllmServices) {
      expect(s.networks?.default?.aliases, name).toContain(backend.hostname);
      expect(flagValue(s.command ?? [], '--port'), name).toBe(backend.port);
      expect(interpolate(flagValue(s.command ?? [], '--api-key') ?? ''), name).toBe(g.VLLM_API_KEY);
    }
    const w = env('open-webui');
    const api = new URL(w.OPENAI_API_BASE_URL ?? '');
    expect([api.hostname, api.port, api.pathname]).toEqual(['gateway', g.PORT, '/v1']);
    expect(w.ENABLE_FORWARD_USER_INFO_HEADERS).toBe('true');
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]?.healthcheck, dep).toBeDefined();
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0] as string;
        if (!source.startsWith('/') && !source.startsWith('.')) expect(compose.volumes, `${name} volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('the gateway accepts its environment, and the default model settings match the default profile', () => {
    const config = loadConfig(env('gateway'));
    expect(config.backends).toEqual(['http://vllm:8000']);
    const glm = services['vllm-glm-5']?.command ?? [];
    expect(config.modelProfile).toBe('glm-5');
    expect(String(config.maxContextTokens)).toBe(flagValue(glm, '--max-model-len'));
    expect(env('gateway').PROXY_ALIAS_MODEL).toBe(flagValue(glm, '--served-model-name'));
  });

  it.each(FAMILIES)('vllm-%s runs its launcher flags on every GPU with the weights cache', (family) => {
    const s = services[`vllm-${family}`]!;
    const launcher = launcherArgv(family, { VLLM_API_KEY: 'value-of-VLLM_API_KEY' }).argv.slice(2);
    expect((s.command ?? []).map((a) => interpolate(a))).toEqual(launcher);
    const sh = readFileSync(resolve(DEPLOY, `vllm/${family}.sh`), 'utf8');
    expect(s.image).toBe(/^IMAGE=(\S+)$/m.exec(sh)?.[1]);
    expect(s.deploy?.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    expect(s.volumes).toContain('hf-cache:/root/.cache/huggingface');
  });

  it('every required variable (the secrets) is in compose.env.example, empty: compose refuses an unedited copy', () => {
    const example = readFileSync(resolve(DEPLOY, 'compose.env.example'), 'utf8');
    const required = new Set([...TEXT.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1] as string));
    expect([...required].sort()).toEqual(['ADMIN_PASSWORD', 'POSTGRES_PASSWORD', 'VLLM_API_KEY', 'WEBUI_SECRET_KEY']);
    for (const name of required) expect(example, name).toMatch(new RegExp(`^${name}=$`, 'm'));
  });

  it('a password with characters special in URLs reaches the Postgres client as it is', () => {
    const password = 'p@ss/w#rd:1?%';
    const g = env('gateway', { POSTGRES_PASSWORD: password });
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = g.PGPASSWORD;
    try {
      const client = new pg.Client({ connectionString: g.DATABASE_URL });
      const params = (client as unknown as { connectionParameters: { user: string; host: string; database: string; password: string } }).connectionParameters;
      expect([params.user, params.host, params.database, params.password]).toEqual(['worv', 'postgres', 'worv', password]);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('.env turns aliasing off by setting it empty, as compose.env.example says; unset takes the defaults', () => {
    const off = loadConfig(env('gateway', { PROXY_ALIAS_MODEL: '', PROXY_ALIAS_SOURCES: '', PROXY_MODEL_PROFILE: '' }));
    expect([off.alias.model, off.alias.sources, off.modelProfile]).toEqual([undefined, [], undefined]);
    const example = readFileSync(resolve(DEPLOY, 'compose.env.example'), 'utf8');
    const vars = Object.fromEntries(example.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const defaults = loadConfig(env('gateway'));
    const fromExample = loadConfig(env('gateway', { ...vars, ADMIN_PASSWORD: 'a-real-password' }));
    expect(fromExample.alias).toEqual(defaults.alias);
    expect(fromExample.modelProfile).toBe(defaults.modelProfile);
    expect(defaults.alias.model).toBe('GLM-5.1-FP8');
  });
});
