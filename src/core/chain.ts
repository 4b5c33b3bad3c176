import { eventCidString } from './cid.js';
import { decodeEnvelope } from './envelope.js';
import { parseEventSubject } from './subjects.js';

/** One break found while verifying the stream. */
export interface ChainProblem {
  readonly position: number;
  readonly subject: string;
  readonly kind:
    'not_an_envelope' | 'cid_mismatch' | 'subject_mismatch' | 'version_gap' | 'prev_mismatch';
  readonly detail: string;
}

interface Head {
  version: number;
  cid: string;
}

/**
 * Verifies events fed in stream order: every body's CID equals its `Cim-Event-Cid` header, every
 * envelope matches its subject, versions of an aggregate run 1, 2, 3… and every `prev` links the
 * previous event's CID. Pure: the caller reads the stream.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, Head>();
  private checked = 0;

  /** Checks one event and returns the problems it shows (empty when it is sound). */
  accept(
    position: number,
    subject: string,
    body: Uint8Array,
    headerCid: string | undefined,
  ): ChainProblem[] {
    this.checked++;
    const problems: ChainProblem[] = [];
    const problem = (kind: ChainProblem['kind'], detail: string) =>
      problems.push({ position, subject, kind, detail });
    const cid = eventCidString(body);
    if (headerCid !== cid) {
      problem('cid_mismatch', `body hashes to ${cid} but the header says ${headerCid ?? '(none)'}`);
    }
    const envelope = decodeEnvelope(body);
    if (envelope === undefined) {
      problem('not_an_envelope', 'the body is not a CIM event envelope');
      return problems;
    }
    const ref = parseEventSubject(subject);
    if (
      ref === undefined ||
      ref.domain !== envelope.domain ||
      ref.aggregate !== envelope.aggregate ||
      ref.aggregateId !== envelope.aggregateId
    ) {
      problem('subject_mismatch', 'the envelope names a different aggregate than its subject');
    }
    const head = this.heads.get(subject);
    const expectedVersion = (head?.version ?? 0) + 1;
    if (envelope.version !== expectedVersion) {
      problem('version_gap', `version ${envelope.version} follows version ${expectedVersion - 1}`);
    }
    const expectedPrev = head?.cid ?? null;
    if (envelope.prev !== expectedPrev) {
      problem(
        'prev_mismatch',
        `prev is ${envelope.prev ?? 'null'}, expected ${expectedPrev ?? 'null'}`,
      );
    }
    this.heads.set(subject, { version: envelope.version, cid });
    return problems;
  }

  /** How many events and aggregates were checked so far. */
  get stats(): { events: number; aggregates: number } {
    return { events: this.checked, aggregates: this.heads.size };
  }
}
