import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { Health } from '../api/types';
import {
  catalogStatsQuery,
  componentsQuery,
  eventEndQuery,
  healthQuery,
  pluginsQuery,
  queryKeys,
  storageQuery,
} from '../api/queries';
import { EventRow } from '../components/event-row';
import { ErrorNote, Empty, Loading } from '../components/status';
import { useLiveEvents } from '../hooks/use-live-events';
import { useRefreshOnEvents } from '../hooks/use-refresh-on-events';
import { useShown } from '../hooks/use-shown';
import { formatAgo, formatBytes, formatCount } from '../format';

const REFRESH_MS = 3000;
/** The stream's end follows the live events; this poll only covers a stream that is down. */
const END_FALLBACK_MS = 10_000;
const NO_FILTER = {};
const FOLLOWS_EVENTS = [queryKeys.eventEnd];

/** Events per second over the last samples of the stream's end position. */
function useEventRate(end: number | undefined): number | undefined {
  const samples = useRef<{ at: number; end: number }[]>([]);
  const [rate, setRate] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (end === undefined) return;
    const now = Date.now();
    const kept = [...samples.current, { at: now, end }].filter((s) => now - s.at <= 30_000);
    samples.current = kept;
    const first = kept[0]!;
    if (kept.length > 1 && now > first.at) setRate(((end - first.end) * 1000) / (now - first.at));
  }, [end]);
  return rate;
}

/** Node health, components, plugins, stream and storage figures, recent activity; live. */
export function OverviewPage() {
  const health = useShown(useQuery({ ...healthQuery, refetchInterval: REFRESH_MS }));
  // The catalog is a projection that lags the events, so its figures are polled.
  const stats = useShown(useQuery({ ...catalogStatsQuery, refetchInterval: REFRESH_MS }));
  const end = useShown(useQuery({ ...eventEndQuery, refetchInterval: END_FALLBACK_MS }));
  const components = useShown(useQuery({ ...componentsQuery, refetchInterval: REFRESH_MS }));
  const plugins = useShown(useQuery({ ...pluginsQuery, refetchInterval: 10_000 }));
  const storage = useShown(useQuery({ ...storageQuery, refetchInterval: 10_000 }));
  const live = useLiveEvents(NO_FILTER, 12);
  useRefreshOnEvents(live.events[0]?.position, FOLLOWS_EVENTS);
  const rate = useEventRate(end.data?.end);

  return (
    <section className="overview">
      <h1>Overview</h1>
      {health.error && <ErrorNote message={health.error} retry={health.reload} />}
      <div className="cards">
        <Figure label="Node" value={health.data ? healthWord(health.data) : '…'}>
          {health.data && (
            <>
              version {health.data.version}, NATS {health.data.nats.serverVersion}, up since{' '}
              {formatAgo(health.data.startedAt)}
            </>
          )}
        </Figure>
        <Figure label="Units" value={formatCount(stats.data?.units)}>
          {stats.data && `${formatCount(stats.data.documents)} documents`}
        </Figure>
        <Figure label="Content" value={formatBytes(stats.data?.bytes)}>
          all versions
        </Figure>
        <Figure label="Events" value={formatCount(end.data?.end)}>
          {rate === undefined ? 'measuring rate…' : `${rate.toFixed(1)} events/s`}
        </Figure>
      </div>

      <div className="columns">
        <div>
          <h2>Storage tiers</h2>
          {storage.error && <ErrorNote message={storage.error} retry={storage.reload} />}
          {storage.data && (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col" className="num">
                    Units
                  </th>
                  <th scope="col" className="num">
                    Objects
                  </th>
                  <th scope="col" className="num">
                    Bytes
                  </th>
                </tr>
              </thead>
              <tbody>
                {storage.data.tiers.map((tier) => (
                  <tr key={tier.name}>
                    <th scope="row">{tier.name}</th>
                    {tier.error ? (
                      <td colSpan={3} className="problem">
                        {tier.error}
                      </td>
                    ) : (
                      <>
                        <td className="num">{formatCount(tier.units)}</td>
                        <td className="num">{formatCount(tier.objects)}</td>
                        <td className="num">{formatBytes(tier.bytes)}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>Components</h2>
          {components.error && <ErrorNote message={components.error} retry={components.reload} />}
          {components.data &&
            (components.data.components.length === 0 ? (
              <Empty title="No component has registered yet." />
            ) : (
              <ul className="components">
                {components.data.components.map((c) => (
                  <li key={c.id}>
                    <span className="dot ok" aria-hidden="true" />
                    <strong>{c.name}</strong> <span className="muted">{c.version}</span>
                    <span className="muted small">
                      {' '}
                      on {c.host}, seen {formatAgo(c.lastSeen)}
                    </span>
                    {c.capabilities.some((cap) => cap.startsWith('processor:')) && (
                      <div className="small muted">
                        {c.capabilities
                          .filter((cap) => cap.startsWith('processor:'))
                          .map((cap) => cap.slice('processor:'.length))
                          .join(', ')}
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            ))}

          <h2>Plugins</h2>
          {plugins.error && <ErrorNote message={plugins.error} retry={plugins.reload} />}
          {plugins.data &&
            (plugins.data.plugins.length === 0 ? (
              <Empty title="No plugin is loaded." />
            ) : (
              <ul className="components">
                {plugins.data.plugins.map((p) => (
                  <li key={`${p.name}@${p.version}`}>
                    <span
                      className={`dot ${p.status === 'loaded' ? 'ok' : 'bad'}`}
                      aria-hidden="true"
                    />
                    <strong>{p.name}</strong> <span className="muted">{p.version}</span>{' '}
                    <span className="small muted">{p.status}</span>
                    {p.error && <div className="small problem">{p.error}</div>}
                  </li>
                ))}
              </ul>
            ))}
        </div>

        <div>
          <h2>
            Recent activity <LiveBadge state={live.state} />
          </h2>
          {live.error && <ErrorNote message={live.error} />}
          {live.events.length === 0 && live.state === 'live' && (
            <Empty title="Nothing has happened yet.">
              <p>
                <Link to="/units">Upload files</Link> and their events appear here as they happen.
              </p>
            </Empty>
          )}
          {live.events.length === 0 && live.state === 'connecting' && <Loading what="activity" />}
          <ol className="events compact">
            {live.events.map((event) => (
              <EventRow key={event.position} event={event} compact />
            ))}
          </ol>
          <p>
            <Link to="/events">All events →</Link>
          </p>
        </div>
      </div>
    </section>
  );
}

function healthWord(health: Health): string {
  return health.status === 'ok' ? 'Healthy' : 'Degraded';
}

function Figure({
  label,
  value,
  children,
}: {
  label: string;
  value: string;
  children?: ReactNode;
}) {
  return (
    <div className="card">
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      <div className="card-note">{children}</div>
    </div>
  );
}

/** Whether a view is following the stream. */
export function LiveBadge({ state }: { state: string }) {
  const text = {
    live: 'live',
    connecting: 'connecting',
    reconnecting: 'reconnecting',
    paused: 'paused',
  }[state];
  return <span className={`badge ${state}`}>{text ?? state}</span>;
}
