import type { ReactNode } from 'react';

/** An error sentence, announced to screen readers, with an optional retry. */
export function ErrorNote({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div className="note error" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** What an empty list means and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="note empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A quiet loading line, announced politely. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}
