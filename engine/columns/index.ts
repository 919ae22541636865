// Column layouts shared by the parsers and the store: text as a dictionary plus codes, or as UTF-8 bytes plus
// offsets. Plain data (typed arrays and string arrays), so they cross threads and codecs as they are.
export { DictionaryColumnBuilder, isDictionaryColumn, dictionaryValue } from './dictionary-column.ts';
export type { DictionaryColumn } from './dictionary-column.ts';
export { Utf8ColumnBuilder, isUtf8Column, utf8ColumnFault, utf8ColumnValues, utf8ColumnValue, gatherUtf8 } from './utf8-column.ts';
export type { Utf8Column } from './utf8-column.ts';
