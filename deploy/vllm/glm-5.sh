#!/usr/bin/env bash
# GLM-5.1-FP8 on 8 GPUs: tensor-parallel 8, 202,752-token context, fp8 KV cache, MTP off.
# vLLM 0.19.1 (image vllm/vllm-openai:v0.19.1). Gateway: PROXY_MODEL_PROFILE=glm-5,
# MAX_CONTEXT_TOKENS=202752 (docs/vllm.md).
#   VLLM_API_KEY=… deploy/vllm/glm-5.sh [--docker]
set -euo pipefail
FAMILY=glm-5
MODEL="${MODEL:-zai-org/GLM-5.1-FP8}"
IMAGE=vllm/vllm-openai:v0.19.1
ARGS=(
  --served-model-name GLM-5.1-FP8
  --tensor-parallel-size 8
  --max-model-len 202752
  --kv-cache-dtype fp8
  --reasoning-parser glm45
  --enable-auto-tool-choice
  --tool-call-parser glm47
  --enable-prompt-tokens-details
)
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
