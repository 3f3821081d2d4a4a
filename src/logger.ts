/**
 * The logger this library writes to: any pino-compatible logger (pino itself, or anything with the
 * same `(object, message)` methods). The library is silent unless one is injected.
 */

/** The subset of pino's interface the library uses. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** A logger that discards everything; the default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
