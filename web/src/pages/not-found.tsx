import { Link } from 'react-router';
import { Empty } from '../components/status';

/** Any path the app does not know. */
export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <Empty title="There is no page at this address.">
        <p>
          Go to the <Link to="/">overview</Link> or <Link to="/units">the units</Link>.
        </p>
      </Empty>
    </section>
  );
}
