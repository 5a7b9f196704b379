/** What an API handler answers, and the one error class the web part throws. */

/** A finished answer: status, content type, body (text, or bytes as they go out) and extra headers. */
export interface ApiResponse {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Readonly<Record<string, string>>;
  /**
   * Called once the body has been sent or the response abandoned: gives a body written into a
   * pool's buffer (body-pool.ts) back to it.
   */
  release?: () => void;
}

/**
 * An answer other than 200 with netdata's text (`Chart is not found: x`); the app sends the
 * message as text/plain with the status, as netdata does.
 */
export class HttpError extends Error {
  /** Headers the answer carries besides the usual ones (405's `Allow`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(readonly status: number, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options);
    this.name = 'HttpError';
    this.headers = options?.headers ?? {};
  }
}

/** The methods every route answers: netdata reads GET and OPTIONS; HEAD is GET without the body. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * 405 for a method no route answers (POST, PUT, DELETE...), with `Allow`. netdata 1.37 answers
 * these 400 "I don't understand you..."; 405 with `Allow` tells a client what would work.
 */
export function methodNotAllowed(method: string, path: string): HttpError {
  return new HttpError(405, `Method ${method} is not allowed for ${path}; this server answers ${ALLOWED_METHODS}.`,
    { headers: { Allow: ALLOWED_METHODS } });
}
