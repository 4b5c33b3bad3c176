import { useState } from 'react';
import type { FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, post } from '../api/client';

/** Only paths of this app: a `next` pointing elsewhere would make the page an open redirect. */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** Username and password; on success the browser goes back where sign-in was asked for. */
export function SignInPage() {
  const [params] = useSearchParams();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await post('/api/auth/sign-in', {
        username: String(form.get('username') ?? ''),
        password: String(form.get('password') ?? ''),
      });
      // A full load: every query starts again with the new session.
      window.location.assign(safeNext(params.get('next')));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Sign-in failed: try again.');
      setBusy(false);
    }
  }

  return (
    <section className="sign-in">
      <h1>Sign in</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
