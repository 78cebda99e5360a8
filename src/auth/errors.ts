/** A refusal from the auth layer; the HTTP edge sends it as {code, message} with `status`. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For 429: when to try again (sent as Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
