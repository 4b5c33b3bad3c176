import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { UnavailableError } from '../../core/errors.js';
import { ReplyMux } from './reply-mux.js';

/** A message read from a stream by a direct get. */
export interface DirectMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly header: MsgHdrs;
}

/** What to read: a sequence, the first at or after it on a subject, or a subject's last. */
export type DirectQuery =
  { readonly seq: number; readonly next_by_subj?: string } | { readonly last_by_subj: string };

const EMPTY = new Uint8Array(0);

/**
 * Direct gets (`$JS.API.DIRECT.GET`, streams with `allow_direct`) over the connection's
 * {@link ReplyMux}: the same requests as `jsm.direct.getMessage`, without the client's per-request
 * bookkeeping. A message that does not exist is `null`; any other refusal is unavailable.
 */
export class DirectReader {
  private readonly mux: ReplyMux;

  constructor(nc: NatsConnection) {
    this.mux = ReplyMux.of(nc);
  }

  async get(stream: string, query: DirectQuery): Promise<DirectMessage | null> {
    // A subject's last is asked for in the subject itself, so permissions can be set per subject.
    const msg =
      'last_by_subj' in query
        ? await this.mux.request(`$JS.API.DIRECT.GET.${stream}.${query.last_by_subj}`, EMPTY)
        : await this.mux.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify(query));
    const header = msg.headers;
    if (header === undefined) {
      throw new UnavailableError(`A direct get on ${stream} answered without headers.`);
    }
    if (header.hasError) {
      if (header.code === 404) return null;
      throw new UnavailableError(
        `A direct get on ${stream} was refused: ${header.code} ${header.description}.`,
      );
    }
    return {
      seq: Number(header.get('Nats-Sequence')),
      subject: header.get('Nats-Subject'),
      data: msg.data,
      header,
    };
  }
}
