import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { parse as parseCsv } from 'csv-parse/browser/esm/sync';
import { contentUrl, failureOf } from '../api/client';
import type { Unit } from '../api/types';
import { formatBytes } from '../format';
import { ErrorNote, Loading } from './status';
import { DataTable } from './data-table';

/** Text previews read at most this much of the content (the rest is a download away). */
const PREVIEW_BYTES = 1024 * 1024;

// Markdown may point at images anywhere; the page loads none from other origins (its CSP would
// refuse them), so such images are shown by their alternative text instead.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG') {
    const src = node.getAttribute('src') ?? '';
    if (!src.startsWith('data:image/')) {
      node.replaceWith(document.createTextNode(node.getAttribute('alt') ?? '[image]'));
    }
  }
  if (node.tagName === 'A') {
    node.setAttribute('rel', 'noreferrer noopener');
    node.setAttribute('target', '_blank');
  }
});

type Kind = 'image' | 'markdown' | 'html' | 'pdf' | 'json' | 'csv' | 'text' | 'none';

/** Which preview suits a media type. */
export function previewKind(mediaType: string): Kind {
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type === 'text/markdown') return 'markdown';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'application/pdf') return 'pdf';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/csv' || type === 'text/tab-separated-values') return 'csv';
  if (type.startsWith('text/') || type === 'application/xml' || type === 'application/yaml')
    return 'text';
  return 'none';
}

/** The first PREVIEW_BYTES of a unit's content as text. */
function useText(unit: Unit, wanted: boolean): { text?: string; error?: string; cut: boolean } {
  const [state, setState] = useState<{ text?: string; error?: string }>({});
  useEffect(() => {
    if (!wanted) return;
    const controller = new AbortController();
    setState({});
    fetch(contentUrl(unit.unitCid), {
      headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` },
      signal: controller.signal,
    })
      .then(async (response) => {
        if (!response.ok) throw await failureOf(response);
        setState({ text: await response.text() });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          error:
            err instanceof TypeError
              ? 'The content could not be fetched: check that the node is running.'
              : err instanceof Error
                ? err.message
                : String(err),
        });
      });
    return () => controller.abort();
  }, [unit.unitCid, wanted]);
  return { ...state, cut: unit.size > PREVIEW_BYTES };
}

/** A preview suited to the unit's type: text, Markdown (sanitised), image, PDF, JSON or CSV tables. */
export function Preview({ unit }: { unit: Unit }) {
  const kind = previewKind(unit.mediaType);
  const textual = kind === 'markdown' || kind === 'json' || kind === 'csv' || kind === 'text';
  const { text, error, cut } = useText(unit, textual);
  const url = contentUrl(unit.unitCid);

  if (kind === 'image') return <img className="preview-image" src={url} alt={unit.name} />;
  if (kind === 'pdf')
    return (
      <object className="preview-frame" data={url} type="application/pdf" aria-label={unit.name}>
        <p>
          This browser does not show PDFs inline:{' '}
          <a href={contentUrl(unit.unitCid, true)}>download it</a>.
        </p>
      </object>
    );
  if (kind === 'html')
    return (
      <iframe className="preview-frame" src={url} sandbox="" title={`Preview of ${unit.name}`} />
    );
  if (kind === 'none')
    return (
      <p className="muted">
        There is no preview for {unit.mediaType}; download the {formatBytes(unit.size)} to open it.
      </p>
    );
  if (error) return <ErrorNote message={error} />;
  if (text === undefined) return <Loading what="the preview" />;
  const note = cut && (
    <p className="small muted">
      Showing the first {formatBytes(PREVIEW_BYTES)} of {formatBytes(unit.size)}.
    </p>
  );

  if (kind === 'markdown') {
    const html = DOMPurify.sanitize(marked.parse(text, { async: false }));
    return (
      <>
        <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
        {note}
      </>
    );
  }
  if (kind === 'csv') {
    const table = csvTable(text, unit.mediaType.includes('tab-separated') ? '\t' : ',', cut);
    return table ? (
      <>
        <DataTable columns={table[0]!} rows={table.slice(1)} />
        {note}
      </>
    ) : (
      <TextPreview text={text} note={note} />
    );
  }
  if (kind === 'json') {
    const value = jsonValue(text);
    if (value !== undefined) {
      const rows = Array.isArray(value) ? objectRows(value) : undefined;
      return (
        <>
          {rows ? (
            <DataTable columns={rows.columns} rows={rows.rows} />
          ) : (
            <pre className="text-preview">{JSON.stringify(value, null, 2)}</pre>
          )}
          {note}
        </>
      );
    }
  }
  return <TextPreview text={text} note={note} />;
}

function TextPreview({ text, note }: { text: string; note: ReactNode }) {
  return (
    <>
      <pre className="text-preview">{text}</pre>
      {note}
    </>
  );
}

/** CSV as rows of strings, or undefined when it does not parse (shown as text instead). */
function csvTable(text: string, delimiter: string, cut: boolean): string[][] | undefined {
  // A cut preview may end mid-row: that last row is dropped rather than shown broken.
  const body = cut ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  try {
    const rows = parseCsv(body, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    return rows.length > 0 ? rows : undefined;
  } catch {
    return undefined;
  }
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An array of flat objects as columns and rows; undefined for anything else. */
function objectRows(items: unknown[]): { columns: string[]; rows: string[][] } | undefined {
  if (items.length === 0) return undefined;
  if (!items.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i)))
    return undefined;
  const columns = [...new Set(items.flatMap((i) => Object.keys(i as object)))];
  const cell = (v: unknown) =>
    v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const rows = items.map((i) => columns.map((c) => cell((i as Record<string, unknown>)[c])));
  return { columns, rows };
}
