/**
 * Oshara JavaScript SDK: everything a custom front-end needs (guide, Pattern 5), without UI.
 *
 * ```js
 * import { getAgentForms, validate, submitForm, startSession } from "https://voice.example.com/sdk.js";
 * const forms = await getAgentForms("support-bot", { baseUrl: "https://voice.example.com" });
 * ```
 */

export { getAppearance, type AppearanceOptions } from "./appearance";
export {
  startSession,
  requestMicrophone,
  VoiceCall,
  type CallEvents,
  type CallState,
  type Caption,
  type EndReason,
  type ShowFormHandler,
  type StartSessionOptions,
} from "./call";
export { Emitter, type Listener } from "./emitter";
export {
  AgentNotFoundError,
  ConnectionFailedError,
  ConnectionLostError,
  FormValidationError,
  HttpError,
  MicrophoneDeniedError,
  MicrophoneUnavailableError,
  NetworkError,
  OriginNotAllowedError,
  OsharaError,
  RateLimitedError,
  SubmissionFailedError,
  UnsupportedTransportError,
  type ErrorCode,
} from "./errors";
export {
  formFields,
  formSteps,
  getAgentForms,
  initialValues,
  optionParts,
  submitForm,
  type SubmitOptions,
  type SubmitResult,
} from "./forms";
export { createSession, grantFromTokenAnswer, sessionIdFromToken, type SessionOptions } from "./session";
export { startTextSession, TextChat, type OfferedForm, type TextChatEvents, type TextReply, type ToolCallInfo } from "./text";
export type * from "./types";
export { validate } from "./validate";

/** Version of this SDK build. */
export const VERSION = "0.1.0";
