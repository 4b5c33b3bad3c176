import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { auditQuery } from '../api/queries';
import { ErrorNote, Empty, Loading } from '../components/status';
import { useShown } from '../hooks/use-shown';
import { formatTime, shortCid } from '../format';

/** Changes shown at once; `cim audit --limit` reaches further. */
const LIMIT = 200;
/** The trail moves with people's changes only: a slow poll keeps it current. */
const REFRESH_MS = 10_000;

/** The audit trail: who changed what and when, filtered by actor and type (kept in the URL). */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const actor = params.get('actor') ?? '';
  const type = params.get('type') ?? '';
  const trail = useShown(
    useQuery({
      ...auditQuery({ actor: actor || undefined, type: type || undefined, limit: LIMIT }),
      refetchInterval: REFRESH_MS,
    }),
  );

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };

  const types = trail.data?.types ?? (type ? [type] : []);
  const entries = trail.data?.entries ?? [];
  return (
    <section>
      <h1>Audit</h1>
      <p className="muted">
        Changes people made: pipelines, storage policies, tier moves by hand, backups and archive
        runs. The machine&apos;s own work is on the Events page.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit filters">
        <label>
          Actor
          <input
            value={actor}
            placeholder="e.g. user:ana or token:*"
            onChange={(e) => set('actor', e.target.value.trim())}
          />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => set('type', e.target.value)}>
            <option value="">any type</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </form>
      {trail.error && <ErrorNote message={trail.error} retry={trail.reload} />}
      {trail.loading && <Loading what="the audit trail" />}
      {trail.data && entries.length === 0 && (
        <Empty title="No change matches.">
          <p>Clear the filters, or make a change (apply a pipeline, move content by hand).</p>
        </Empty>
      )}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="data audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Type</th>
                <th scope="col">What</th>
                <th scope="col">Aggregate</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.position} data-type={e.type}>
                  <td className="small">
                    <time dateTime={e.occurredAt}>{formatTime(e.occurredAt)}</time>
                  </td>
                  <td className="actor">
                    <button type="button" className="link" onClick={() => set('actor', e.actor)}>
                      {e.actor}
                    </button>
                  </td>
                  <td className="small">{e.type}</td>
                  <td className="summary">{e.summary}</td>
                  <td className="small" title={`${e.domain}.${e.aggregate}.${e.aggregateId}`}>
                    {e.aggregate} {shortCid(e.aggregateId)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {trail.data?.next !== null && (
            <p className="small muted">
              Showing the newest {LIMIT}; <code>cim audit --limit N</code> lists more.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
