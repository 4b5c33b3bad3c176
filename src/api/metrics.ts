import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one process, exposed at `GET /metrics`. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cim_api_requests_total',
    help: 'API requests by operation and outcome (ok or the error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'cim_api_request_duration_seconds',
    help: 'API request duration by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cim_' });
  }
}
