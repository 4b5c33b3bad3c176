import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { contentUrl } from '../api/client';
import { lineageQuery, unitQuery } from '../api/queries';
import { LineageGraph } from '../components/lineage-graph';
import { Preview } from '../components/preview';
import { ErrorNote, Loading } from '../components/status';
import { Tags } from '../components/unit-table';
import { useShown } from '../hooks/use-shown';
import { formatBytes, formatTime, shortCid } from '../format';

/** One unit: preview, metadata, tags, versions, download and its lineage graph. */
export function UnitPage() {
  const { cid = '' } = useParams();
  const detail = useShown(useQuery(unitQuery(cid)));
  // Derived units appear as the pipeline runs: the graph refreshes itself.
  const lineage = useShown(useQuery({ ...lineageQuery(cid), refetchInterval: 4000 }));

  if (detail.error) {
    return (
      <section>
        <h1>Unit</h1>
        <ErrorNote message={detail.error} retry={detail.reload} />
        <p>
          <Link to="/units">Back to the units</Link>
        </p>
      </section>
    );
  }
  if (!detail.data) return <Loading what="the unit" />;
  const { unit, versions } = detail.data;

  return (
    <article className="unit-page">
      <header className="unit-head">
        <h1>{unit.name}</h1>
        <p className="muted">
          {unit.mediaType} · {formatBytes(unit.size)} · added {formatTime(unit.createdAt)}
        </p>
        <Tags tags={unit.tags} context={unit.context} />
        <p className="actions">
          <a className="button" href={contentUrl(unit.unitCid, true)} download={unit.name}>
            Download
          </a>
          <a className="button" href={contentUrl(unit.unitCid)} target="_blank" rel="noreferrer">
            Open raw
          </a>
        </p>
      </header>

      <div className="unit-grid">
        <section className="preview-panel" aria-label="Preview">
          <h2>Preview</h2>
          <Preview unit={unit} />
        </section>

        <aside className="meta-panel">
          <h2>Details</h2>
          <dl className="meta">
            <dt>Unit CID</dt>
            <dd className="cid">{unit.unitCid}</dd>
            <dt>Content CID</dt>
            <dd className="cid">{unit.content}</dd>
            <dt>Source</dt>
            <dd className="wrap">{unit.source}</dd>
            <dt>Document</dt>
            <dd className="cid">
              {unit.documentId} (version {unit.version})
            </dd>
            {unit.producedBy && (
              <>
                <dt>Produced by</dt>
                <dd>{unit.producedBy.processor}</dd>
              </>
            )}
          </dl>

          <h2>Versions</h2>
          <ol className="versions">
            {versions.map((v) => (
              <li key={v.unitCid}>
                {v.unitCid === unit.unitCid ? (
                  <strong>
                    v{v.version} (this one) · {formatTime(v.createdAt)}
                  </strong>
                ) : (
                  <Link to={`/units/${v.unitCid}`} title={v.unitCid}>
                    v{v.version} · {formatTime(v.createdAt)} · {shortCid(v.unitCid)}
                  </Link>
                )}
              </li>
            ))}
          </ol>
          {lineage.data && lineage.data.relations.length > 0 && (
            <>
              <h2>Links found</h2>
              <ul className="relations">
                {lineage.data.relations.map((r) => (
                  <li key={`${r.type}:${r.target}`} className="wrap small">
                    <span className="muted">{r.type}</span> {r.target}
                  </li>
                ))}
              </ul>
            </>
          )}
        </aside>
      </div>

      <section aria-label="Lineage">
        <h2>Lineage</h2>
        {lineage.error && <ErrorNote message={lineage.error} retry={lineage.reload} />}
        {lineage.data && <LineageGraph lineage={lineage.data} />}
      </section>
    </article>
  );
}
