/**
 * The NATS fast path: what stands in for the client's calls on the hot paths (decisions 0005 and
 * 0008) and the one point that installs its patches of the client's internals. Code outside this
 * folder imports from here.
 */
export { ReplyMux } from './reply-mux.js';
export type { Ack } from './ack-publisher.js';
export { AckPublisher, PublishRefusedError, publishReplyOf } from './ack-publisher.js';
export type { WriteRetry } from './write-retry.js';
export { retryPauseMs, unacknowledgedError, WRITE_RETRY_DEFAULTS } from './write-retry.js';
export type { DirectMessage, DirectQuery, DirectReaderOptions } from './direct-reader.js';
export { DirectReader } from './direct-reader.js';
export { OutgoingHeaders } from './outgoing-headers.js';
export type { ObjectBucket, ObjectWriterDeps, WriteOutcome } from './object-writer.js';
export { CHUNK_BYTES, deleteObject, metaSubject, writeObject } from './object-writer.js';
export type { FastPathLogger, FastPathMode, FastPathOptions } from './install.js';
export { installFastPath } from './install.js';
