/**
 * Build-time stand-in for `@daily-co/daily-js`.
 *
 * `@pipecat-ai/small-webrtc-transport` imports Daily's SDK for its default media manager,
 * which downloads a call bundle from a third-party CDN at run time. Oshara always passes
 * `WavMediaManager`, so the Daily code is never used; replacing it keeps ~260 kB and every
 * path to remote code out of widget.js and sdk.js.
 */

function unavailable(): never {
  throw new Error("Daily's media manager is not part of the Oshara build; pass WavMediaManager");
}

const Daily = {
  getCallInstance: (): undefined => undefined,
  createCallObject: unavailable,
  supportedBrowser: () => ({ supported: false }),
};

export default Daily;
