import { describe, expect, it } from 'vitest';
import { parseEngineMetrics, parseSampleLine } from './engine-metrics.js';

// An excerpt of a vLLM 0.11 exposition (two engines behind one API server).
const MODERN = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="GLM-5.1"} 3.0
vllm:num_requests_running{engine="1",model_name="GLM-5.1"} 2.0
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="GLM-5.1"} 1.0
vllm:num_requests_waiting{engine="1",model_name="GLM-5.1"} 0.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="GLM-5.1"} 0.5
vllm:kv_cache_usage_perc{engine="1",model_name="GLM-5.1"} 0.25
# TYPE vllm:prefix_cache_queries counter
vllm:prefix_cache_queries_total{engine="0",model_name="GLM-5.1"} 1.2e+06
vllm:prefix_cache_queries_created{engine="0",model_name="GLM-5.1"} 1.75e+09
# TYPE vllm:prefix_cache_hits counter
vllm:prefix_cache_hits_total{engine="0",model_name="GLM-5.1"} 900000.0
# TYPE vllm:generation_tokens counter
vllm:generation_tokens_total{engine="0",model_name="GLM-5.1"} 4242.0
vllm:generation_tokens_total{engine="1",model_name="GLM-5.1"} 8.0
vllm:request_success_total{engine="0",finished_reason="stop",model_name="GLM-5.1"} 10.0
process_cpu_seconds_total 12.5
`;

describe('parseEngineMetrics', () => {
  it('reads the current names, adding engines up and averaging KV-cache use', () => {
    expect(parseEngineMetrics(MODERN)).toEqual({
      running: 5, waiting: 1, kvCacheUsage: 0.375, prefixCacheQueries: 1_200_000, prefixCacheHits: 900_000, generationTokens: 4250,
    });
  });

  it('reads the older names (gpu_cache_usage_perc, gpu_prefix_cache_*, counters without _total)', () => {
    const old = [
      'vllm:num_requests_running{model_name="m"} 1',
      'vllm:gpu_cache_usage_perc{model_name="m"} 0.9',
      'vllm:gpu_prefix_cache_queries{model_name="m"} 10',
      'vllm:gpu_prefix_cache_hits{model_name="m"} 4',
      'vllm:generation_tokens{model_name="m"} 7 1700000000000',
    ].join('\n');
    expect(parseEngineMetrics(old)).toEqual({
      running: 1, waiting: undefined, kvCacheUsage: 0.9, prefixCacheQueries: 10, prefixCacheHits: 4, generationTokens: 7,
    });
  });

  it('leaves absent series undefined and ignores garbage', () => {
    expect(parseEngineMetrics('not prometheus at all\nvllm:num_requests_running{ 3\nvllm:num_requests_waiting x\n')).toEqual({
      running: undefined, waiting: undefined, kvCacheUsage: undefined, prefixCacheQueries: undefined, prefixCacheHits: undefined, generationTokens: undefined,
    });
  });
});

describe('parseSampleLine', () => {
  it('handles quoted label values holding braces, spaces and escaped quotes', () => {
    expect(parseSampleLine('vllm:num_requests_running{model_name="a} \\"b\\" c"} 2.0')).toEqual({ name: 'vllm:num_requests_running', value: 2 });
    expect(parseSampleLine('up 1')).toEqual({ name: 'up', value: 1 });
    expect(parseSampleLine('x +Inf')?.value).toBe(Infinity);
    expect(parseSampleLine('# HELP x y')).toBeUndefined();
    expect(parseSampleLine('')).toBeUndefined();
  });
});
