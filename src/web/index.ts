/**
 * The web part: one port for HTTP and STREAM, netdata's `/api/v1`, `/host/NAME/` and the
 * dashboard. Importing this module has no side effects; the agent imports it dynamically only
 * when `[web] mode` is not `none`.
 */
export { createWebServer, parseBindTo } from './server.js';
export { STREAM_NOT_SUPPORTED, type StreamHandler } from './dispatch.js';
export type { WebDeps, WebServer } from './server.js';
export { openAccessLogFile, type AccessLogFile, type AccessLogSink } from './access-log.js';
export type { RegisteredFunction } from './api-function.js';
