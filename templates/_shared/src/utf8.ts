// Requests carry UTF-8. Node's decoders would replace a byte that is not UTF-8 with U+FFFD
// silently, so a name could be stored otherwise than it was sent; these checks refuse such a
// request with a 400 (the JSON error envelope, code `invalid_encoding`) instead.
import { isUtf8 } from "node:buffer";
import { InvalidUtf8Error } from "./errors.js";

/** Throws InvalidUtf8Error unless `body` is UTF-8: the `verify` hook of the JSON body parser. */
export function assertUtf8Body(body: Uint8Array): void {
  if (!isUtf8(body)) throw new InvalidUtf8Error("body");
}

/** Throws InvalidUtf8Error unless every percent-encoded sequence of `url` is well-formed UTF-8. */
export function assertUtf8Url(url: string): void {
  try {
    decodeURIComponent(url);
  } catch {
    throw new InvalidUtf8Error("URL");
  }
}
