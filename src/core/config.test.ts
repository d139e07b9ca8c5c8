import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_HAN_SYSTEM_PROMPT, loadConfig, misspeltVariables, VARIABLES } from './config.js';

function err(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  const c = loadConfig({});
  it.each([
    ['host', '127.0.0.1'],
    ['port', 8080],
    ['maxContextTokens', 202_752],
    ['maxOutputTokens', 16_384],
    ['streamReadTimeoutMs', 1_200_000],
    ['nonstreamReadTimeoutMs', 1_200_000],
    ['connectTimeoutMs', 10_000],
    ['stripHan', false],
    ['maxBodyBytes', 10 * 1024 * 1024],
    ['trustProxy', 'loopback'],
    ['frontendUrl', undefined],
    ['modelProfile', undefined],
    ['vllmApiKey', undefined],
    ['gpuRetentionDays', 7],
    ['hanSystemPrompt', DEFAULT_HAN_SYSTEM_PROMPT],
  ] as const)('%s = %j', (field, value) => {
    expect(c[field]).toEqual(value);
  });
  it('has the embedded SQLite store, one backend and alias rewriting off', () => {
    expect(c.database).toEqual({ kind: 'sqlite', path: './data/proxy.db' });
    expect(c.backends).toEqual(['http://127.0.0.1:8000']);
    expect(c.alias).toEqual({ model: undefined, sources: [], rewriteAll: false });
  });
  it('lets browsers of every origin call /v1 unless PROXY_CORS_ORIGINS says otherwise', () => {
    expect(c.v1CorsOrigins).toBe('*');
    expect(loadConfig({ PROXY_CORS_ORIGINS: 'OFF' }).v1CorsOrigins).toBe('off');
    expect(loadConfig({ PROXY_CORS_ORIGINS: 'https://chat.example.com, http://localhost:5173/' }).v1CorsOrigins).toEqual(['https://chat.example.com', 'http://localhost:5173']);
    expect(loadConfig({ PROXY_CORS_ORIGINS: 'https://Chat.Example.com:443,http://a.example:8080' }).v1CorsOrigins).toEqual(['https://chat.example.com', 'http://a.example:8080']);
    for (const bad of ['chat.example.com', 'https://chat.example.com/app', 'https://chat.example.com?x', 'https://u@chat.example.com', 'ftp://x.example', 'https://a.example,,https://b.example']) {
      expect(err({ PROXY_CORS_ORIGINS: bad }).message).toBe(
        `PROXY_CORS_ORIGINS must be *, off, or comma-separated http(s) origins such as https://chat.example.com (got ${JSON.stringify(bad)})`,
      );
    }
  });
  it('lets any active key post GPU telemetry unless PROXY_GPU_AGENT_KEYS lists the key ids that may', () => {
    expect(c.gpuAgentKeys).toBeUndefined();
    expect([...(loadConfig({ PROXY_GPU_AGENT_KEYS: 'A0A0A0A0A0A0A0A0, 0123456789abcdef' }).gpuAgentKeys ?? [])]).toEqual(['a0a0a0a0a0a0a0a0', '0123456789abcdef']);
    for (const bad of ['wp-abcdefghijklmnopqrstuvwxyz', 'a0a0a0a0a0a0a0a0,', 'gpu-agent']) {
      expect(err({ PROXY_GPU_AGENT_KEYS: bad }).message).toBe(
        `PROXY_GPU_AGENT_KEYS must be comma-separated key ids, 16 hex characters each as \`worv-proxy keys list\` shows them (not the keys themselves) (got ${JSON.stringify(bad)})`,
      );
    }
  });
  it('keeps a request log for 14 days, without bodies, by default', () => {
    expect(loadConfig({}).requestLog).toEqual({ days: 14, bodies: false });
    expect(loadConfig({ REQUEST_LOG_DAYS: '0', PROXY_LOG_BODIES: 'on' }).requestLog).toEqual({ days: 0, bodies: true });
  });

  it('is frozen, deeply', () => {
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.alias)).toBe(true);
    expect(Object.isFrozen(c.backends)).toBe(true);
  });
});

describe('loadConfig parses values', () => {
  it('reads lists, booleans, seconds and URLs', () => {
    const c = loadConfig({
      VLLM_BASE_URL: 'http://10.0.0.1:8000/, http://10.0.0.2:8000',
      PROXY_ALIAS_MODEL: 'DeepSeek-V4-Pro',
      PROXY_ALIAS_SOURCES: 'glm-5.1-fp8, Kimi-K2.6,',
      PROXY_ALIAS_REWRITE_ALL: 'on',
      PROXY_STRIP_HAN: 'TRUE',
      PROXY_STREAM_READ_TIMEOUT: '0.25',
      PROXY_MODEL_PROFILE: 'GLM-5',
      DATABASE_URL: 'postgres://u@db.internal:5432/worv',
      FRONTEND_URL: 'http://localhost:5173/',
      TRUST_PROXY: '10.0.0.0/8,loopback',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'correct horse',
    });
    expect(c.backends).toEqual(['http://10.0.0.1:8000', 'http://10.0.0.2:8000']);
    expect(c.alias).toEqual({ model: 'DeepSeek-V4-Pro', sources: ['glm-5.1-fp8', 'Kimi-K2.6'], rewriteAll: true });
    expect(c.stripHan).toBe(true);
    expect(c.streamReadTimeoutMs).toBe(250);
    expect(c.modelProfile).toBe('glm-5');
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@db.internal:5432/worv' });
    expect(c.frontendUrl).toBe('http://localhost:5173');
    expect(c.trustProxy).toBe('10.0.0.0/8,loopback');
    expect(c.admin).toEqual({ username: 'admin', password: 'correct horse' });
  });
  it('accepts a hop count and booleans for TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'fd00::/8, 192.168.1.7, uniquelocal' }).trustProxy).toBe('fd00::/8, 192.168.1.7, uniquelocal');
  });
  it('takes an empty boolean as unset: its default, as for every other variable', () => {
    const c = loadConfig({ PROXY_LIMITS_FAIL_OPEN: '', PROXY_STRIP_HAN: ' ', PROXY_LOG_BODIES: '' });
    expect([c.limitsFailOpen, c.stripHan, c.requestLog.bodies]).toEqual([true, false, false]);
    expect(loadConfig({ PROXY_LIMITS_FAIL_OPEN: 'off' }).limitsFailOpen).toBe(false);
  });
  it('counts input tokens with /tokenize near the window by default; on and off as asked', () => {
    expect([loadConfig({}), loadConfig({ PROXY_TOKENIZE_ESTIMATE: 'ON' }), loadConfig({ PROXY_TOKENIZE_ESTIMATE: 'false' })].map((c) => c.tokenizeEstimate)).toEqual(['auto', 'on', 'off']);
  });
  it('takes a millisecond, and a Redis database number', () => {
    expect(loadConfig({ PROXY_CLIENT_TIMEOUT: '0.001', PROXY_KEY_STALE_SECONDS: '0' })).toMatchObject({ clientTimeoutMs: 1, keyStaleMs: 0 });
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/7' }).redisUrl).toBe('redis://127.0.0.1:6379/7');
    expect(loadConfig({}).fleet.affinityHold).toBe(4);
    expect(loadConfig({ PROXY_AFFINITY_HOLD: '16' }).fleet.affinityHold).toBe(16);
    expect([loadConfig({}).defaultConcurrency, loadConfig({ PROXY_DEFAULT_CONCURRENCY: '8' }).defaultConcurrency]).toEqual([0, 8]);
    expect(loadConfig({}).fleet).toMatchObject({ replicaSlots: 0, queueTimeoutMs: 300_000 });
    expect(loadConfig({ PROXY_REPLICA_SLOTS: '32', PROXY_QUEUE_TIMEOUT: '45' }).fleet).toMatchObject({ replicaSlots: 32, queueTimeoutMs: 45_000 });
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@cache:6380' }).redisUrl).toBe('rediss://u:p@cache:6380');
  });
});

describe('loadConfig rejects bad values with one line naming the variable', () => {
  it.each([
    [{ MAX_OUTPUT_TOKENS: 'abc' }, 'MAX_OUTPUT_TOKENS must be an integer from 1 to 9007199254740991 (got "abc")'],
    [{ MAX_CONTEXT_TOKENS: '12.5' }, 'MAX_CONTEXT_TOKENS must be an integer from 1 to 9007199254740991 (got "12.5")'],
    [{ PROXY_ALIAS_REWRITE_ALL: 'maybe' }, 'PROXY_ALIAS_REWRITE_ALL must be on or off (also true/false, 1/0, yes/no) (got "maybe")'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db (got "mysql://x")'],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db (got "postgres://")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ PROXY_DEFAULT_CONCURRENCY: '-1' }, 'PROXY_DEFAULT_CONCURRENCY must be an integer from 0 to 1000000 (got "-1")'],
    [{ VLLM_BASE_URL: 'localhost:8000' }, 'VLLM_BASE_URL must be a URL (http: or https:) (got "localhost:8000")'],
    [
      { VLLM_BASE_URL: 'http://10.0.0.1:8000,' },
      'VLLM_BASE_URL must be comma-separated http(s) origins with none empty (a comma at either end or two in a row leave one empty) (got "http://10.0.0.1:8000,")',
    ],
    [
      { VLLM_BASE_URL: 'http://10.0.0.1:8000,,http://10.0.0.2:8000' },
      'VLLM_BASE_URL must be comma-separated http(s) origins with none empty (a comma at either end or two in a row leave one empty) (got "http://10.0.0.1:8000,,http://10.0.0.2:8000")',
    ],
    [
      { VLLM_BASE_URL: 'http://127.0.0.1:8000,http://127.0.0.1:8001/v1' },
      'VLLM_BASE_URL must be comma-separated http(s) origins such as http://10.0.0.5:8000, without /v1 or any other path, query or credentials (got "http://127.0.0.1:8001/v1")',
    ],
    [{ PROXY_STREAM_READ_TIMEOUT: '-1' }, 'PROXY_STREAM_READ_TIMEOUT must be a positive number of seconds, 0.001 or more (got "-1")'],
    // Under a millisecond a timer is 0: the client timeout would never fire, the probe never rest.
    [{ PROXY_CLIENT_TIMEOUT: '0.0001' }, 'PROXY_CLIENT_TIMEOUT must be a positive number of seconds, 0.001 or more (got "0.0001")'],
    [{ PROXY_HEALTH_INTERVAL: '0.0004' }, 'PROXY_HEALTH_INTERVAL must be a positive number of seconds, 0.001 or more (got "0.0004")'],
    [{ PROXY_KEY_STALE_SECONDS: '0.0001' }, 'PROXY_KEY_STALE_SECONDS must be a number of seconds: 0, or 0.001 or more (got "0.0001")'],
    [{ PROXY_KEY_STALE_SECONDS: 'soon' }, 'PROXY_KEY_STALE_SECONDS must be a number of seconds: 0, or 0.001 or more (got "soon")'],
    // A password never reaches the message.
    [{ DATABASE_URL: 'postgres://worv:p#ss@127.0.0.1:5432/worv' }, 'DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db (got "postgres://worv:***@127.0.0.1:5432/worv")'],
    [{ REDIS_URL: 'redis://:s3cret@127.0.0.1:6379/abc' }, 'REDIS_URL must be redis://[user:password@]host:port[/database number] (or rediss://) (got "redis://:***@127.0.0.1:6379/abc")'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL must be a URL (redis: or rediss:) (got "http://127.0.0.1:6379")'],
    [{ TRUST_PROXY: '10.0.0.0/99' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs/loopback (got "10.0.0.0/99")'],
    [{ TRUST_PROXY: 'loopback,...' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs/loopback (got "loopback,...")'],
    [{ PROXY_TOKENIZE_ESTIMATE: 'sometimes' }, 'PROXY_TOKENIZE_ESTIMATE must be auto, on or off (got "sometimes")'],
    [{ SESSION_SECRET: 'x' }, 'SESSION_SECRET must be at least 16 characters (or unset: one is generated and stored) (got "<hidden>")'],
    [{ TRUST_PROXY: '300.1.1.1' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs/loopback (got "300.1.1.1")'],
    // Longer than a Node.js timer keeps: it would fire at once and time out every request.
    [{ PROXY_STREAM_READ_TIMEOUT: '3000000' }, 'PROXY_STREAM_READ_TIMEOUT must be at most 2147483 seconds (about 24.8 days, the longest timer Node.js keeps) (got "3000000")'],
    [{ PROXY_CONNECT_TIMEOUT: '2147484' }, 'PROXY_CONNECT_TIMEOUT must be at most 2147483 seconds (about 24.8 days, the longest timer Node.js keeps) (got "2147484")'],
    [{ PROXY_MODEL_PROFILE: 'llama' }, 'PROXY_MODEL_PROFILE must be one of deepseek-v4, glm-5, kimi-k2, none (got "llama")'],
    [{ TRUST_PROXY: 'everyone!' }, 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs/loopback (got "everyone!")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ MAX_BODY_BYTES: '10' }, 'MAX_BODY_BYTES must be an integer from 1024 to 1073741824 (got "10")'],
    [{ REQUEST_LOG_DAYS: '14d' }, 'REQUEST_LOG_DAYS must be an integer from 0 to 3650 (got "14d")'],
    [{ REQUEST_LOG_DAYS: '-1' }, 'REQUEST_LOG_DAYS must be an integer from 0 to 3650 (got "-1")'],
    [{ PROXY_LOG_BODIES: 'sometimes' }, 'PROXY_LOG_BODIES must be on or off (also true/false, 1/0, yes/no) (got "sometimes")'],
    [{ PROXY_AFFINITY_HOLD: '0' }, 'PROXY_AFFINITY_HOLD must be an integer from 1 to 1000000 (got "0")'],
    [{ PROXY_AFFINITY_HOLD: '2.5' }, 'PROXY_AFFINITY_HOLD must be an integer from 1 to 1000000 (got "2.5")'],
    [{ PROXY_REPLICA_SLOTS: '-1' }, 'PROXY_REPLICA_SLOTS must be an integer from 0 to 1000000 (got "-1")'],
    [{ PROXY_REPLICA_SLOTS: 'many' }, 'PROXY_REPLICA_SLOTS must be an integer from 0 to 1000000 (got "many")'],
    [{ PROXY_QUEUE_TIMEOUT: '0' }, 'PROXY_QUEUE_TIMEOUT must be a positive number of seconds, 0.001 or more (got "0")'],
  ])('%j', (env, message) => {
    const e = err(env);
    expect(e.message).toBe(message);
    expect(e.message).not.toContain('\n');
    expect(Object.keys(env)).toContain(e.variable);
  });
  it('requires ADMIN_USERNAME and ADMIN_PASSWORD together', () => {
    expect(err({ ADMIN_USERNAME: 'a' }).variable).toBe('ADMIN_PASSWORD');
    // A variable that is missing is said to be missing, not "got undefined".
    expect(err({ ADMIN_USERNAME: 'a' }).message).toBe('ADMIN_PASSWORD must be set together with ADMIN_USERNAME (it is not set)');
    expect(err({ ADMIN_PASSWORD: 'longenough' }).variable).toBe('ADMIN_USERNAME');
  });
});

describe('misspeltVariables', () => {
  it('names a PROXY_ variable the gateway does not read and a name one or two letters off one of its own', () => {
    expect(misspeltVariables({ DATABSE_URL: 'postgres://db/x', PROXY_STRIP_HANN: 'on', PROXY_FROBNICATE: '1', VLLM_BASE_URL: 'http://a:1' })).toEqual([
      'DATABSE_URL is not a variable worv-proxy reads; did you mean DATABASE_URL?',
      'PROXY_STRIP_HANN is not a variable worv-proxy reads; did you mean PROXY_STRIP_HAN?',
      'PROXY_FROBNICATE is not a variable worv-proxy reads',
    ]);
  });
  it('leaves other programs\' variables alone', () => {
    expect(misspeltVariables({ PATH: '/bin', HOME: '/root', HOSTNAME: 'gpu1', PWD: '/', NODE_ENV: 'production', OTEL_TRACES_SAMPLER: 'always_on', TERM: 'xterm', LANG: 'C' })).toEqual([]);
    // Kubernetes' variables for a service named `proxy`.
    expect(misspeltVariables({ PROXY_PORT: 'tcp://10.0.0.9:8080', PROXY_SERVICE_HOST: '10.0.0.9', PROXY_PORT_8080_TCP_ADDR: '10.0.0.9' })).toEqual([]);
  });
  it('knows every variable of the README\'s configuration table, and only those', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Documentation'));
    const named = new Set([...table.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...(m[1] as string).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1] as string)));
    expect([...named].sort()).toEqual([...VARIABLES].sort());
  });
});
