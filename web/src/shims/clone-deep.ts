/**
 * Build-time stand-in for `lodash/cloneDeep` (18 kB). The WebRTC transport clones its request
 * description (`{endpoint, headers, requestData}`) before adding the offer: plain objects and
 * arrays are copied deeply, anything else (Headers, URL, Request) is kept by reference -- which
 * is what lodash does for such values inside an object.
 */
export default function cloneDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneDeep(item)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = cloneDeep(item);
    return out as T;
  }
  return value;
}
