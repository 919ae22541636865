// The engine layer's coded error type. Each engine area declares its codes in its own `errors.ts`
// (engine/formats/errors.ts, engine/store/errors.ts, …) exporting `catalogue`; docs/errors.md lists every
// code and test/docs/errors-doc.test.ts keeps the two in step in both directions.
export { EngineError, errorFactory } from './engine-error.ts';
export type { ErrorCatalogue, ErrorSpec } from './engine-error.ts';
