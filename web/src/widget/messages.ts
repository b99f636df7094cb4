/** What the visitor reads when something goes wrong: plain words first, the technical detail after. */

import { OsharaError, RateLimitedError } from "../sdk/errors";

export interface NoticeText {
  message: string;
  detail?: string;
}

export function describeError(err: unknown, agent: string): NoticeText {
  if (!(err instanceof OsharaError)) {
    return { message: "Something went wrong.", detail: err instanceof Error ? err.message : String(err) };
  }
  switch (err.code) {
    case "origin_not_allowed":
      return { message: "This assistant is not available on this website.", detail: err.message };
    case "agent_not_found":
      return { message: `There is no assistant called “${agent}”.`, detail: err.message };
    case "rate_limited": {
      const wait = err instanceof RateLimitedError && err.retryAfter !== undefined ? Math.max(1, Math.ceil(err.retryAfter)) : undefined;
      const when = wait === undefined ? "in a moment" : wait === 1 ? "in 1 second" : `in ${wait} seconds`;
      return { message: `The assistant is busy right now. Please try again ${when}.`, detail: err.message };
    }
    case "microphone_denied":
      return {
        message: "Microphone access was denied.",
        detail: "Allow the microphone for this site in your browser to talk, or type your message below.",
      };
    case "microphone_unavailable":
      return { message: `${err.message}.`, detail: "You can type your message below instead." };
    case "connection_lost":
      return { message: "The connection to the assistant was lost." };
    case "connection_failed":
      return { message: "Could not connect to the assistant.", detail: err.message };
    case "network_error":
      return { message: "Cannot reach the assistant. Check your internet connection.", detail: err.message };
    case "unsupported_transport":
      return { message: "Voice calls are not available here.", detail: err.message };
    default:
      return { message: err.message };
  }
}
