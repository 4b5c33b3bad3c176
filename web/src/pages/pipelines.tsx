import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { post } from '../api/client';
import { pipelineStatusQuery, pipelinesQuery, queryKeys } from '../api/queries';
import type { Pipeline } from '../api/types';
import { ErrorNote, Empty, Loading } from '../components/status';
import { useLiveEvents } from '../hooks/use-live-events';
import { useRefreshOnEvents } from '../hooks/use-refresh-on-events';
import { useShown } from '../hooks/use-shown';
import { formatAgo, formatCount, formatTime, shortCid } from '../format';

/** Every pipeline event (definitions, pause and resume, each step of each run). */
const PIPELINE_EVENTS = { domain: 'pipelines' };
/** The list and every card's status, which move with the pipeline events. */
const FOLLOWS_EVENTS = [queryKeys.pipelines];
/**
 * The views follow the pipeline events; this poll covers what moves without one (a paused
 * pipeline's growing backlog) and an event stream that is down.
 */
const FALLBACK_MS = 10_000;

/** Pipelines with their definitions, history, run status, dead letters and controls. */
export function PipelinesPage() {
  const list = useShown(useQuery({ ...pipelinesQuery, refetchInterval: FALLBACK_MS }));
  const live = useLiveEvents(PIPELINE_EVENTS, 1);
  useRefreshOnEvents(live.events[0]?.position, FOLLOWS_EVENTS);
  return (
    <section>
      <h1>Pipelines</h1>
      {list.error && <ErrorNote message={list.error} retry={list.reload} />}
      {list.loading && <Loading what="pipelines" />}
      {list.data && list.data.pipelines.length === 0 && (
        <Empty title="No pipeline is defined.">
          <p>
            Apply one with <code>cim pipeline apply FILE</code>; examples/pipelines/documents.yaml
            extracts text, classifies and links documents.
          </p>
        </Empty>
      )}
      {list.data?.pipelines.map((p) => (
        <PipelineCard key={p.name} pipeline={p} />
      ))}
    </section>
  );
}

/** Units per second between two status samples. */
function useThroughput(completed: number | undefined): number | undefined {
  const [sample, setSample] = useState<{ at: number; completed: number; rate?: number }>();
  if (completed !== undefined && (sample === undefined || completed !== sample.completed)) {
    const now = Date.now();
    const rate =
      sample === undefined
        ? undefined
        : ((completed - sample.completed) * 1000) / (now - sample.at);
    setSample({ at: now, completed, ...(rate !== undefined ? { rate } : {}) });
  }
  return sample?.rate;
}

/** A control of a pipeline, and what the page says once the node took it. */
interface Action {
  readonly what: 'pause' | 'resume' | 'retry' | 'run';
  readonly done: string;
}

function PipelineCard({ pipeline }: { pipeline: Pipeline }) {
  const client = useQueryClient();
  const status = useShown(
    useQuery({ ...pipelineStatusQuery(pipeline.name), refetchInterval: FALLBACK_MS }),
  );
  const action = useMutation({
    mutationFn: ({ what }: Action) =>
      post(
        `/api/pipelines/${encodeURIComponent(pipeline.name)}/${what}`,
        what === 'run' ? { backfill: true } : {},
      ),
    // Stays busy until the list and this card show what the node did.
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.pipelines }),
  });
  const busy = action.isPending;
  const actionError = action.error?.message;
  const message = action.isSuccess ? action.variables.done : undefined;
  const rate = useThroughput(status.data?.counters.completed);
  const act = (what: Action['what'], done: string) => action.mutate({ what, done });
  const s = status.data;
  const running = pipeline.state === 'running';

  return (
    <article className="pipeline" aria-labelledby={`pipeline-${pipeline.name}`}>
      <header className="pipeline-head">
        <h2 id={`pipeline-${pipeline.name}`}>
          {pipeline.name} <span className={`badge ${pipeline.state}`}>{pipeline.state}</span>
        </h2>
        <div className="actions">
          {running ? (
            <button type="button" disabled={busy} onClick={() => act('pause', 'Paused.')}>
              Pause
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => act('resume', 'Resumed.')}>
              Resume
            </button>
          )}
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act('run', 'Backfill started: every unit already held goes through the pipeline.')
            }
          >
            Backfill
          </button>
        </div>
      </header>
      {pipeline.definition.description && <p>{pipeline.definition.description}</p>}
      {actionError && <ErrorNote message={actionError} />}
      {message && (
        <p className="note ok" role="status">
          {message}
        </p>
      )}
      {status.error && <ErrorNote message={status.error} retry={status.reload} />}
      {s && (
        <dl className="figures">
          <div>
            <dt>Completed</dt>
            <dd>{formatCount(s.counters.completed)}</dd>
          </div>
          <div>
            <dt>Throughput</dt>
            <dd>{rate === undefined ? '—' : `${rate.toFixed(1)} units/s`}</dd>
          </div>
          <div>
            <dt>Pending</dt>
            <dd>{s.backlog ? formatCount(s.backlog.pending) : '—'}</dd>
          </div>
          <div>
            <dt>In flight</dt>
            <dd>{s.backlog ? formatCount(s.backlog.inFlight) : '—'}</dd>
          </div>
          <div>
            <dt>Retried</dt>
            <dd>{formatCount(s.counters.retried)}</dd>
          </div>
          <div>
            <dt>Dead letters</dt>
            <dd>{formatCount(s.counters.deadLettered)}</dd>
          </div>
          <div>
            <dt>Steps run / reused</dt>
            <dd>
              {formatCount(s.counters.computedSteps)} / {formatCount(s.counters.reusedSteps)}
            </dd>
          </div>
        </dl>
      )}
      {s?.backfill && (
        <p className="small">
          Backfill {s.backfill.state}, started {formatAgo(s.backfill.startedAt)}: position{' '}
          {formatCount(s.backfill.position)} of {formatCount(s.backfill.endPosition)}
          {s.backfill.error ? ` — ${s.backfill.error}` : ''}
          {s.backfill.state === 'running' && (
            <progress
              max={Math.max(1, s.backfill.endPosition)}
              value={s.backfill.position}
              aria-label="Backfill progress"
            />
          )}
        </p>
      )}

      <h3>Steps</h3>
      <ol className="steps">
        {pipeline.definition.steps.map((step) => (
          <li key={step.id}>
            <strong>{step.id}</strong> <span className="muted">runs {step.processor}</span>
            {step.after.length > 0 && (
              <span className="small muted"> after {step.after.join(', ')}</span>
            )}
          </li>
        ))}
      </ol>
      <p className="small muted">
        Runs on {pipeline.definition.trigger.events.join(', ')}
        {pipeline.definition.trigger.mediaTypes
          ? ` for ${pipeline.definition.trigger.mediaTypes.join(', ')}`
          : ''}
        , {pipeline.definition.concurrency} units at once.
      </p>

      <h3>Dead letters</h3>
      {s && s.deadLetters.length === 0 && <p className="muted">None: every unit went through.</p>}
      {s && s.deadLetters.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Unit</th>
                  <th scope="col">Step</th>
                  <th scope="col">Error</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {s.deadLetters.map((letter) => (
                  <tr key={`${letter.unitCid}:${letter.step}`}>
                    <td>
                      <Link to={`/units/${letter.unitCid}`} title={letter.unitCid}>
                        {shortCid(letter.unitCid)}
                      </Link>
                    </td>
                    <td>{letter.step}</td>
                    <td className="problem">{letter.error}</td>
                    <td className="num">{letter.attempts}</td>
                    <td className="small">{formatTime(letter.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button
            type="button"
            disabled={busy}
            onClick={() => act('retry', 'Dead letters sent through the pipeline again.')}
          >
            Retry dead letters
          </button>
        </>
      )}

      <details>
        <summary>Definition (version {pipeline.version})</summary>
        <pre className="text-preview">{JSON.stringify(pipeline.definition, null, 2)}</pre>
      </details>
      <details>
        <summary>
          History ({pipeline.history.length}{' '}
          {pipeline.history.length === 1 ? 'version' : 'versions'})
        </summary>
        <ol className="history">
          {pipeline.history.map((h) => (
            <li key={h.version}>
              v{h.version} applied {formatTime(h.appliedAt)} by {h.actor}{' '}
              <span className="cid small" title={h.definitionCid}>
                {shortCid(h.definitionCid)}
              </span>
            </li>
          ))}
        </ol>
      </details>
    </article>
  );
}
