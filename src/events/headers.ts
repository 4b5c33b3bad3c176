/** Message headers CIM sets on every event (see docs/contracts.md). */
export const HEADER = {
  msgId: 'Nats-Msg-Id',
  expectedLastSubjectSequence: 'Nats-Expected-Last-Subject-Sequence',
  eventType: 'Cim-Event-Type',
  eventCid: 'Cim-Event-Cid',
  correlationId: 'Cim-Correlation-Id',
  causationId: 'Cim-Causation-Id',
  /** Stream position of the previous event of the same aggregate (0 for the first): lets a
   * reader walk an aggregate backwards with direct gets instead of a server-side subject scan. */
  prevPosition: 'Cim-Prev-Position',
} as const;
