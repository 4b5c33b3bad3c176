import { useQuery } from '@tanstack/react-query';
import { api, post, SIGN_IN_PATH } from '../api/client';

interface Me {
  readonly principal: { readonly kind: string; readonly name: string } | null;
  readonly signInRequired: boolean;
}

/** Who is signed in, and the button that ends the session (nothing in the no-sign-in mode). */
export function SignOut() {
  const me = useQuery({ queryKey: ['auth', 'me'], queryFn: () => api<Me>('/api/auth/me') });
  const principal = me.data?.principal;
  if (!principal || principal.kind !== 'user') return null;
  async function signOut() {
    await post('/api/auth/sign-out');
    window.location.assign(SIGN_IN_PATH);
  }
  return (
    <div className="session">
      <span>{principal.name.replace(/^user:/, '')}</span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </div>
  );
}
