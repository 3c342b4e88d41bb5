// IndexError: everything @aurola/index refuses, with a machine-readable code and a message that says what to do.

export type IndexErrorCode =
  | 'missing-dir' // open(): the directory does not exist
  | 'missing-index' // open(): the directory holds no index.sqlite
  | 'not-an-index' // index.sqlite is not an aurola index (another SQLite file, a damaged one, not SQLite at all)
  | 'unsupported-version' // an aurola index of a format version this code does not read
  | 'exists' // create(): an index is already there
  | 'locked' // another process has the index open
  | 'dim-mismatch' // a vector or query of the wrong width, or openOrCreate with another dim
  | 'model-mismatch' // openOrCreate with another model name
  | 'dtype-mismatch' // openOrCreate with another explicit dtype
  | 'duplicate-id' // add(): the id is indexed already, or twice in one batch
  | 'bad-clip' // add(): a malformed clip (id, vector, captions, metadata)
  | 'bad-query' // search(): malformed queries or k
  | 'bad-filter' // search(): a malformed filter
  | 'bad-argument' // anything else malformed
  | 'closed'; // the index was closed

export class IndexError extends Error {
  constructor(
    readonly code: IndexErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IndexError';
  }
}
