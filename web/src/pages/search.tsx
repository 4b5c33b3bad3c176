import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { searchQuery } from '../api/queries';
import { ErrorNote, Empty, Loading } from '../components/status';
import { Tags } from '../components/unit-table';
import { useShown } from '../hooks/use-shown';
import { formatBytes, formatTime } from '../format';

/** Search results with highlighted passages; the query lives in the URL (`/search?q=`). */
export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  const mediaType = params.get('mediaType') ?? '';
  const tag = params.get('tag') ?? '';
  const result = useShown(
    useQuery({ ...searchQuery({ q, limit: 50, mediaType, tag }), enabled: q !== '' }),
  );
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };

  return (
    <section>
      <h1>Search</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Search filters">
        <label>
          Media type
          <input
            value={mediaType}
            placeholder="e.g. text/*"
            onChange={(e) => set('mediaType', e.target.value.trim())}
          />
        </label>
        <label>
          Tag
          <input value={tag} onChange={(e) => set('tag', e.target.value.trim())} />
        </label>
      </form>
      {q === '' && (
        <Empty title="Type what you are looking for in the search box above.">
          <p>
            Words match anywhere in names, metadata and text; "a phrase" in quotes matches exactly.
            Press / from any page to search.
          </p>
        </Empty>
      )}
      {result.error && <ErrorNote message={result.error} retry={result.reload} />}
      {q !== '' && result.loading && <Loading what="results" />}
      {result.data && q !== '' && (
        <>
          <p role="status" className="muted">
            {result.data.hits.length === 0
              ? `Nothing matches “${q}”.`
              : `${result.data.hits.length}${result.data.hits.length === 50 ? '+' : ''} results for “${q}”`}
          </p>
          <ol className="hits">
            {result.data.hits.map((hit) => (
              <li key={hit.unit.unitCid} className="hit">
                <h2 className="hit-title">
                  <Link to={`/units/${hit.unit.unitCid}`}>{hit.unit.name}</Link>
                </h2>
                <p className="snippet">
                  {hit.highlights.map((piece, i) =>
                    piece.match ? (
                      <mark key={i}>{piece.text}</mark>
                    ) : (
                      <span key={i}>{piece.text}</span>
                    ),
                  )}
                </p>
                <p className="small muted">
                  {hit.unit.mediaType} · {formatBytes(hit.unit.size)} ·{' '}
                  {formatTime(hit.unit.createdAt)}{' '}
                  <Tags tags={hit.unit.tags} context={hit.unit.context} />
                </p>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
