// The engine layer's coded error. The engine imports nothing of ours, so it has its own error class with the
// same data shape as the runtime's: { code, message, retryable, data }, matched on `code`, never instanceof.

export interface ErrorSpec {
  /** true when the same call may succeed if tried again later (a busy node, a timeout). */
  readonly retryable: boolean;
  /** one line for docs/errors.md: when this error happens. */
  readonly summary: string;
}

export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

export class EngineError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, retryable: boolean, message: string, data: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.retryable = retryable;
    this.data = data;
  }

  toData(): { code: string; message: string; retryable: boolean; data: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, retryable: this.retryable, data: this.data };
  }
}

/** Builds a thrower bound to one catalogue, so a code that is not declared is a type error. */
export function errorFactory<C extends ErrorCatalogue>(catalogue: C) {
  return (code: keyof C & string, message: string, data: Readonly<Record<string, unknown>> = {}): EngineError =>
    new EngineError(code, catalogue[code]!.retryable, message, data);
}
