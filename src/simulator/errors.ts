// vLLM's error bodies: the OpenAI-style envelope (≥0.10.1), the bare 401 of `--api-key`,
// and the Anthropic-style envelope its /v1/messages front end uses (with vLLM type names).

import { STATUS_CODES } from 'node:http';

/** vLLM's `error.type` for a status: exception-family names where vLLM has them, else the HTTP phrase. */
export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequestError';
    case 404:
      return 'NotFoundError';
    case 422:
      return 'UnprocessableEntityError';
    case 500:
      return 'InternalServerError';
    case 501:
      return 'NotImplementedError';
    default:
      return STATUS_CODES[status] ?? 'Error';
  }
}

/** `{"error":{"message","type","param","code"}}` — status is `code`. */
export function openaiErrorBody(status: number, message: string, param: string | null = null, type = errorTypeFor(status)): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}

/** `{"type":"error","error":{"type","message"}}` — vLLM's /v1/messages errors (vLLM type names). */
export function anthropicErrorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/** The `--api-key` middleware's answer: a bare string, not the envelope. */
export const UNAUTHORIZED_BODY = '{"error":"Unauthorized"}';

/** The 404 for an unknown served model name. */
export function modelNotFoundMessage(model: string): string {
  return `The model \`${model}\` does not exist.`;
}

/** An error the endpoint code throws; the router renders it in the endpoint's dialect. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    /** Overrides the type derived from the status (e.g. pydantic's "Bad Request"). */
    readonly type: string = errorTypeFor(status),
    /** Render in the OpenAI envelope even on /v1/messages (pydantic validation errors do). */
    readonly forceOpenAi = false,
  ) {
    super(message);
  }
}
