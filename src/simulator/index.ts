// Public entry of the vLLM simulator: the factory, its types, and the helpers tests use to
// predict output (token counting, header names, fault parsing).

export { createSimulator } from './simulator.js';
export type { FaultOptions, ListenAddress, Simulator, SimulatorEvents, WaitOptions } from './simulator-api.js';
export type { Chunking, Era, ResolvedOptions, SimulatorOptions } from './options.js';
export { parseChunking, parseEra, resolveOptions } from './options.js';
export type { Fault } from './faults.js';
export { parseFault } from './faults.js';
export type { HoldInfo } from './holds.js';
export type { Outcome, RecordedRequest } from './recorder.js';
export { SIM_HEADERS, SIM_REQUEST_ID_HEADER } from './controls.js';
export {
  PROMPT_OVERHEAD_TOKENS, anthropicPromptText, chatPromptText, completionPromptText, countTokens, responsesPromptText,
} from './tokens.js';
export { chatPromptTokens } from './endpoints/chat.js';
export { completionPromptTokens } from './endpoints/completions.js';
export { messagesPromptTokens } from './endpoints/messages.js';
export { responsesPromptTokens } from './endpoints/responses.js';
export { SEEDED_CREATED } from './ids.js';
export { CJK_PUNCTUATION, HAN_WORDS } from './text-gen.js';
