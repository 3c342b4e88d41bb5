// What the server uses of the index (@aurola/index) and the searcher (@aurola/retrieval): the types, and the parts of
// each that buildServer needs (so that it takes the real objects and nothing more).
import type { ClipFilter, ClipIndex, ClipMetadata, ClipRecord } from '@aurola/index';
import type { CaptionResult, Searcher, SearchHit, SearchQuery, SearchRequest } from '@aurola/retrieval';

export type { CaptionResult, ClipFilter, ClipMetadata, ClipRecord, SearchHit, SearchQuery, SearchRequest };

/** The parts of a ClipIndex the server uses. */
export type ServeIndex = Pick<ClipIndex, 'dim' | 'size' | 'get' | 'has' | 'idByContentHash' | 'remove'>;

/** The parts of a Searcher the server uses. */
export type ServeSearcher = Pick<Searcher, 'search' | 'captions' | 'addClips' | 'stats'>;
