#!/usr/bin/env bash
# Kimi-K2.6 on 8 GPUs: tensor-parallel 8, the model's 256K context. vLLM 0.19.1 (image
# vllm/vllm-openai:v0.19.1). Gateway: PROXY_MODEL_PROFILE=kimi-k2, MAX_CONTEXT_TOKENS=262144
# (docs/vllm.md).
#   VLLM_API_KEY=… deploy/vllm/kimi-k2.sh [--docker]
set -euo pipefail
FAMILY=kimi-k2
MODEL="${MODEL:-moonshotai/Kimi-K2.6}"
IMAGE=vllm/vllm-openai:v0.19.1
ARGS=(
  --served-model-name Kimi-K2.6
  --tensor-parallel-size 8
  --max-model-len 262144
  --reasoning-parser kimi_k2
  --enable-auto-tool-choice
  --tool-call-parser kimi_k2
  --enable-prompt-tokens-details
  --trust-remote-code
)
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
