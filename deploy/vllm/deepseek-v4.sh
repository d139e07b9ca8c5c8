#!/usr/bin/env bash
# DeepSeek-V4-Pro on 8 GPUs: data-parallel 8 with expert parallelism, MTP speculative
# decoding (2 tokens), fp8 KV cache, 256K context. Needs the DeepSeek-V4 build of vLLM
# (image vllm/vllm-openai:deepseekv4-cu130). Gateway: PROXY_MODEL_PROFILE=deepseek-v4,
# MAX_CONTEXT_TOKENS=262144 (docs/vllm.md).
#   VLLM_API_KEY=… deploy/vllm/deepseek-v4.sh [--docker]
set -euo pipefail
FAMILY=deepseek-v4
MODEL="${MODEL:-deepseek-ai/DeepSeek-V4-Pro}"
IMAGE=vllm/vllm-openai:deepseekv4-cu130
ARGS=(
  --served-model-name DeepSeek-V4-Pro
  --tokenizer-mode deepseek_v4
  --data-parallel-size 8
  --enable-expert-parallel
  --speculative-config '{"method":"mtp","num_speculative_tokens":2}'
  --kv-cache-dtype fp8
  --max-model-len 262144
  --gpu-memory-utilization 0.93
  --max-num-seqs 256
  --max-num-batched-tokens 8192
  --reasoning-parser deepseek_v3
  --enable-auto-tool-choice
  --tool-call-parser deepseek_v32
  --enable-prompt-tokens-details
  --trust-remote-code
)
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
