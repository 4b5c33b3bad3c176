import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';

/** True when a key press is typing into a field, where shortcuts must not fire. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The search field in the header, reachable from every page with "/" or Ctrl+K. */
export function SearchBox() {
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const onSearchPage = location.pathname === '/search';
  const [text, setText] = useState(onSearchPage ? (params.get('q') ?? '') : '');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (onSearchPage) setText(params.get('q') ?? '');
  }, [onSearchPage, params]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const slash = event.key === '/' && !typingIn(event.target);
      const ctrlK = event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey);
      if (!slash && !ctrlK) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <form
      role="search"
      className="search-box"
      onSubmit={(event) => {
        event.preventDefault();
        const q = text.trim();
        if (q !== '') void navigate(`/search?q=${encodeURIComponent(q)}`);
      }}
    >
      <label htmlFor="global-search" className="visually-hidden">
        Search units
      </label>
      <input
        id="global-search"
        ref={input}
        type="search"
        placeholder="Search  ( / )"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') input.current?.blur();
        }}
        autoComplete="off"
      />
    </form>
  );
}
