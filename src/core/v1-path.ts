/** Which request targets are the data plane's: one test for every place that routes by it. */

/** True for `/v1`, `/v1/…` and `/v1?…` (not `/v1x`). */
export function isV1Path(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/v1') && (url.length === 3 || url.charCodeAt(3) === 0x2f /* / */ || url.charCodeAt(3) === 0x3f /* ? */);
}

/** True for `/v1` itself and `/v1?…`: not a `/v1/` subpath (answered 404). Expects `isV1Path(url)`. */
export function isV1Root(url: string): boolean {
  return url.length === 3 || url.charCodeAt(3) === 0x3f /* ? */;
}
