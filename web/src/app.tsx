import { useEffect, useRef } from 'react';
import { NavLink, Route, Routes, useLocation } from 'react-router';
import { SearchBox } from './components/search-box';
import { AuditPage } from './pages/audit';
import { EventsPage } from './pages/events';
import { NotFoundPage } from './pages/not-found';
import { OverviewPage } from './pages/overview';
import { PipelinesPage } from './pages/pipelines';
import { SearchPage } from './pages/search';
import { SignInPage } from './pages/sign-in';
import { SignOut } from './components/sign-out';
import { UnitPage } from './pages/unit';
import { UnitsPage } from './pages/units';

const SECTIONS = [
  { to: '/', label: 'Overview', end: true },
  { to: '/units', label: 'Units', end: false },
  { to: '/events', label: 'Events', end: false },
  { to: '/pipelines', label: 'Pipelines', end: false },
  { to: '/search', label: 'Search', end: false },
  { to: '/audit', label: 'Audit', end: false },
] as const;

/** The shell: header with navigation and the search box, and the page for the route. */
export function App() {
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its content, as a page load would, for keyboard and screen readers.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <NavLink to="/" className="brand" aria-label="CIM overview">
          CIM
        </NavLink>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.to}>
                <NavLink to={s.to} end={s.end}>
                  {s.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <SearchBox />
        <SignOut />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/units" element={<UnitsPage />} />
          <Route path="/units/:cid" element={<UnitPage />} />
          <Route path="/events" element={<EventsPage />} />
          <Route path="/pipelines" element={<PipelinesPage />} />
          <Route path="/search" element={<SearchPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </>
  );
}
