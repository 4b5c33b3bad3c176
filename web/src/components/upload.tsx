import { useCallback, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '../api/queries';
import { askForSignIn, csrfHeaders } from '../api/client';
import { formatBytes, shortCid } from '../format';

/** Files sent at once; the rest wait their turn. */
const PARALLEL = 3;

interface UploadItem {
  readonly key: number;
  readonly file: File;
  readonly labels: Labels;
  sent: number;
  state: 'waiting' | 'sending' | 'stored' | 'deduplicated' | 'failed';
  unitCid?: string;
  error?: string;
}

interface IngestReply {
  readonly unitCid: string;
  readonly status: 'stored' | 'deduplicated';
}

/** What every file of an upload is labelled with. */
interface Labels {
  readonly tags: readonly string[];
  readonly context: string;
}

/** Tags typed as a comma-separated list, trimmed, empty ones dropped. */
function tagsOf(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Sends one file as a raw upload, reporting bytes sent; resolves with the node's answer. */
function send(
  file: File,
  labels: Labels,
  onProgress: (sent: number) => void,
): Promise<IngestReply> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const params = new URLSearchParams({ name: file.name, source: `upload:${file.name}` });
    for (const tag of labels.tags) params.append('tag', tag);
    if (labels.context !== '') params.set('context', labels.context);
    request.open('POST', `/api/units?${params.toString()}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(csrfHeaders()))
      request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onerror = () =>
      reject(new Error('The upload was cut off: check that the node is running, then try again.'));
    request.onload = () => {
      if (request.status === 401) askForSignIn();
      let body: { detail?: string } & Partial<IngestReply> = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // A reply that is not JSON is reported by its status below.
      }
      if (request.status >= 200 && request.status < 300 && body.unitCid) {
        resolve(body as IngestReply);
      } else {
        reject(new Error(body.detail ?? `The node refused the file (HTTP ${request.status}).`));
      }
    };
    request.send(file);
  });
}

/** What an upload adds to: every list of units, search results and the catalog's figures. */
const CHANGED_BY_UPLOAD = [queryKeys.units, queryKeys.searches, queryKeys.catalogStats];

/**
 * Drag-and-drop and file-picker upload of many files, each with its own progress; the views of
 * units refresh as each file is stored.
 */
export function Upload() {
  const client = useQueryClient();
  const { mutateAsync: ingest } = useMutation({
    mutationFn: ({ item, onProgress }: { item: UploadItem; onProgress: (sent: number) => void }) =>
      send(item.file, item.labels, onProgress),
    onSuccess: () => {
      for (const queryKey of CHANGED_BY_UPLOAD) void client.invalidateQueries({ queryKey });
    },
  });
  const [items, setItems] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const [tags, setTags] = useState('');
  const [context, setContext] = useState('');
  const picker = useRef<HTMLInputElement>(null);
  const nextKey = useRef(0);
  const queue = useRef<UploadItem[]>([]);
  const running = useRef(0);

  const refresh = useCallback(() => setItems((list) => [...list]), []);

  const pump = useCallback(() => {
    while (running.current < PARALLEL && queue.current.length > 0) {
      const item = queue.current.shift()!;
      running.current++;
      item.state = 'sending';
      refresh();
      ingest({
        item,
        onProgress: (sent) => {
          item.sent = sent;
          refresh();
        },
      })
        .then(
          (reply) => {
            item.sent = item.file.size;
            item.state = reply.status;
            item.unitCid = reply.unitCid;
          },
          (err: unknown) => {
            item.state = 'failed';
            item.error = err instanceof Error ? err.message : String(err);
          },
        )
        .finally(() => {
          running.current--;
          refresh();
          pump();
        });
    }
  }, [ingest, refresh]);

  const add = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const labels = { tags: tagsOf(tags), context: context.trim() };
    const added = [...files].map((file): UploadItem => ({
      key: nextKey.current++,
      file,
      labels,
      sent: 0,
      state: 'waiting',
    }));
    queue.current.push(...added);
    setItems((list) => [...added, ...list]);
    pump();
  };

  const done = items.filter((i) => i.state !== 'waiting' && i.state !== 'sending').length;
  return (
    <div className="upload">
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          add(event.dataTransfer.files);
        }}
      >
        <p>Drop files here to add them, or</p>
        <button type="button" onClick={() => picker.current?.click()}>
          Choose files…
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          data-testid="upload-input"
          onChange={(event) => {
            add(event.target.files);
            event.target.value = '';
          }}
        />
        <div className="upload-labels">
          <label>
            Tags to add
            <input
              value={tags}
              placeholder="comma-separated"
              onChange={(event) => setTags(event.target.value)}
            />
          </label>
          <label>
            Context to add
            <input value={context} onChange={(event) => setContext(event.target.value)} />
          </label>
        </div>
      </div>
      {items.length > 0 && (
        <div className="upload-list">
          <p className="small muted" role="status">
            {done} of {items.length} files done
          </p>
          <ul>
            {items.map((item) => (
              <li key={item.key} className={`upload-item ${item.state}`}>
                <span className="upload-name">{item.file.name}</span>
                <progress
                  max={Math.max(1, item.file.size)}
                  value={item.state === 'waiting' ? 0 : Math.min(item.sent, item.file.size)}
                  aria-label={`Upload of ${item.file.name}`}
                />
                <span className="upload-state">
                  {item.state === 'sending' &&
                    `${formatBytes(item.sent)} of ${formatBytes(item.file.size)}`}
                  {item.state === 'waiting' && 'waiting'}
                  {(item.state === 'stored' || item.state === 'deduplicated') && item.unitCid && (
                    <Link to={`/units/${item.unitCid}`} title={item.unitCid}>
                      {item.state === 'stored' ? 'stored' : 'already held'} ·{' '}
                      {shortCid(item.unitCid)}
                    </Link>
                  )}
                  {item.state === 'failed' && <span className="problem">{item.error}</span>}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
