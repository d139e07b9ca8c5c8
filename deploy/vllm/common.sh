# Shared by the launchers: run the family's flags with a local `vllm serve`, or, with
# `--docker`, in the family's vLLM image on all GPUs. Needs MODEL, IMAGE and ARGS.
# Environment: VLLM_API_KEY (required: the gateway sends it), PORT (8000), HF_HOME
# (weights cache, ~/.cache/huggingface), HF_TOKEN when the weights are gated.
: "${VLLM_API_KEY:?set VLLM_API_KEY (the gateway sends it as Authorization: Bearer)}"
PORT="${PORT:-8000}"
if [ "${1:-}" = "--docker" ]; then
  exec docker run --rm --name "vllm-${FAMILY}" --gpus all --ipc host --shm-size 16g \
    -p "${PORT}:8000" -v "${HF_HOME:-$HOME/.cache/huggingface}:/root/.cache/huggingface" \
    -e VLLM_API_KEY -e HF_TOKEN \
    "$IMAGE" "$MODEL" --host 0.0.0.0 --port 8000 --api-key "$VLLM_API_KEY" "${ARGS[@]}"
fi
exec vllm serve "$MODEL" --host 0.0.0.0 --port "$PORT" --api-key "$VLLM_API_KEY" "${ARGS[@]}"
