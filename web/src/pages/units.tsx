import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { searchQuery, unitListQuery } from '../api/queries';
import type { SearchResult, UnitPage } from '../api/types';
import { ErrorNote, Empty, Loading } from '../components/status';
import { UnitTable } from '../components/unit-table';
import { Upload } from '../components/upload';
import { useShown } from '../hooks/use-shown';

const PAGE = 50;
/** Matches shown when the list is narrowed by words (best first, no pages). */
const MATCHES = 200;
const FILTERS = ['q', 'mediaType', 'tag', 'context', 'from', 'to'] as const;

/** A date field's day as the API's ISO instant (start of that day, UTC). */
function dayToIso(day: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00.000Z` : undefined;
}

/** The next day of a date field, so "to" includes the day chosen. */
function dayAfterIso(day: string): string | undefined {
  const iso = dayToIso(day);
  if (!iso) return undefined;
  return new Date(Date.parse(iso) + 86_400_000).toISOString();
}

/** Search hits as a page of units, best first, with no further page. */
function matchesAsPage(result: SearchResult): UnitPage {
  return { units: result.hits.map((h) => h.unit), next: null };
}

/** The units list: filters, pages by cursor, and the upload panel. */
export function UnitsPage() {
  const [params, setParams] = useSearchParams();
  const value = (key: (typeof FILTERS)[number]) => params.get(key) ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const [trail, setTrail] = useState<string[]>([]);
  const filterKey = FILTERS.map(value).join('\u0000');
  useEffect(() => setTrail([]), [filterKey]);

  const filters = {
    mediaType: value('mediaType'),
    tag: value('tag'),
    context: value('context'),
    from: dayToIso(value('from')),
    to: dayAfterIso(value('to')),
  };
  const words = value('q').trim();
  // Words narrow the list through search (best matches first); otherwise pages, newest first.
  const matches = useShown(
    useQuery({
      ...searchQuery({ q: words, limit: MATCHES, ...filters }),
      enabled: words !== '',
      select: matchesAsPage,
    }),
  );
  // The first page refreshes itself so new uploads and derived units appear.
  const listed = useShown(
    useQuery({
      ...unitListQuery({ limit: PAGE, cursor, ...filters }),
      enabled: words === '',
      refetchInterval: cursor === undefined ? 5000 : false,
    }),
  );
  const page = words === '' ? listed : matches;

  const set = (key: string, v: string) => {
    const next = new URLSearchParams(params);
    next.delete('cursor');
    if (v === '') next.delete(key);
    else next.set(key, v);
    setParams(next, { replace: true });
  };
  const go = (to: string | undefined) => {
    const next = new URLSearchParams(params);
    if (to === undefined) next.delete('cursor');
    else next.set('cursor', to);
    setParams(next);
  };
  const filtered = FILTERS.some((k) => value(k) !== '');

  return (
    <section>
      <h1>Units</h1>
      <Upload />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Unit filters">
        <label>
          Words
          <input
            type="search"
            value={value('q')}
            placeholder="in name or text"
            onChange={(e) => set('q', e.target.value)}
          />
        </label>
        <label>
          Media type
          <input
            value={value('mediaType')}
            placeholder="e.g. text/*"
            onChange={(e) => set('mediaType', e.target.value.trim())}
          />
        </label>
        <label>
          Tag
          <input value={value('tag')} onChange={(e) => set('tag', e.target.value.trim())} />
        </label>
        <label>
          Context
          <input value={value('context')} onChange={(e) => set('context', e.target.value.trim())} />
        </label>
        <label>
          From
          <input type="date" value={value('from')} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={value('to')} onChange={(e) => set('to', e.target.value)} />
        </label>
        {filtered && (
          <button type="button" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        )}
      </form>

      {page.error && <ErrorNote message={page.error} retry={page.reload} />}
      {page.loading && <Loading what="units" />}
      {page.data &&
        (page.data.units.length === 0 ? (
          filtered ? (
            <Empty title="No unit matches these filters.">
              <p>Loosen or clear the filters to see more.</p>
            </Empty>
          ) : (
            <Empty title="No units yet.">
              <p>Drop files above, or run cim ingest PATH, and they appear here.</p>
            </Empty>
          )
        ) : (
          <>
            {words !== '' && (
              <p className="small muted" role="status">
                {page.data.units.length === MATCHES
                  ? `The best ${MATCHES} matches; add words to narrow them.`
                  : `${page.data.units.length} matching units, best first.`}
              </p>
            )}
            <UnitTable
              units={page.data.units}
              caption={words === '' ? 'Units, newest first' : 'Matching units, best first'}
            />
          </>
        ))}
      {page.data && (cursor !== undefined || page.data.next !== null) && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            disabled={cursor === undefined}
            onClick={() => {
              const previous = trail[trail.length - 1];
              setTrail((t) => t.slice(0, -1));
              go(previous);
            }}
          >
            ← Newer
          </button>
          <button
            type="button"
            disabled={page.data.next === null}
            onClick={() => {
              if (page.data?.next == null) return;
              setTrail((t) => [...t, ...(cursor === undefined ? [] : [cursor])]);
              go(String(page.data.next));
            }}
          >
            Older →
          </button>
        </nav>
      )}
    </section>
  );
}
