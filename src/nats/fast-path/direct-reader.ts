import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
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

/** How a {@link DirectReader} treats the replicas of the streams it reads. */
export interface DirectReaderOptions {
  /**
   * The streams read have replicas. Any replica answers a direct get, and a follower does from
   * the moment it is 90% caught up (nats-server's rule), so it may not yet hold what the leader
   * acknowledged: a miss is then asked of the leader before it is believed.
   */
  readonly replicated?: boolean;
}

/**
 * Direct gets (`$JS.API.DIRECT.GET`, streams with `allow_direct`) over the connection's
 * {@link ReplyMux}: the same requests as `jsm.direct.getMessage`, without the client's per-request
 * bookkeeping. A message that does not exist is `null`; any other refusal is unavailable.
 */
export class DirectReader {
  private readonly mux: ReplyMux;
  private readonly replicated: boolean;
  private manager: Promise<JetStreamManager> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    options: DirectReaderOptions = {},
  ) {
    this.mux = ReplyMux.of(nc);
    this.replicated = options.replicated ?? false;
  }

  /**
   * The message, from whichever replica answers first. What it returns may lag the leader on a
   * cluster; a miss does not (see {@link DirectReaderOptions.replicated}).
   */
  async get(stream: string, query: DirectQuery): Promise<DirectMessage | null> {
    const msg = await this.direct(stream, query);
    return msg === null && this.replicated ? this.getFromLeader(stream, query) : msg;
  }

  /**
   * The message as the stream's leader holds it (`$JS.API.STREAM.MSG.GET`): for the end of a
   * read that must include every acknowledged write, such as a scan's last position.
   */
  async getFromLeader(stream: string, query: DirectQuery): Promise<DirectMessage | null> {
    this.manager ??= jetstreamManager(this.nc);
    let stored;
    try {
      stored = await (await this.manager).streams.getMessage(stream, query);
    } catch (err) {
      throw new UnavailableError(
        `Reading ${stream} from its leader failed: ${(err as Error).message.replace(/\.$/, '')}.`,
        { cause: err },
      );
    }
    if (stored === null) return null;
    return { seq: stored.seq, subject: stored.subject, data: stored.data, header: stored.header };
  }

  private async direct(stream: string, query: DirectQuery): Promise<DirectMessage | null> {
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
