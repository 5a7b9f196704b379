/** What an API handler answers, and the one error class the web part throws. */

/** A finished answer: status, content type, body and extra headers. */
export interface ApiResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * An answer other than 200 with netdata's text (`Chart is not found: x`); the app sends the
 * message as text/plain with the status, as netdata does.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
  }
}
