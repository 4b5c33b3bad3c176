import { Link } from 'react-router';
import type { Unit } from '../api/types';
import { formatBytes, formatTime } from '../format';

/** Units as a table: name (to the unit's page), type, size, tags, context, when. */
export function UnitTable({ units, caption }: { units: readonly Unit[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="data units">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Tags</th>
            <th scope="col" className="hide-narrow">
              Added
            </th>
          </tr>
        </thead>
        <tbody>
          {units.map((unit) => (
            <tr key={unit.unitCid}>
              <td className="name">
                <Link to={`/units/${unit.unitCid}`} title={unit.unitCid}>
                  {unit.name}
                </Link>
                {unit.producedBy && <span className="small muted"> derived</span>}
                {unit.version > 1 && <span className="small muted"> v{unit.version}</span>}
              </td>
              <td className="small">{unit.mediaType}</td>
              <td className="num">{formatBytes(unit.size)}</td>
              <td>
                <Tags tags={unit.tags} context={unit.context} />
              </td>
              <td className="small hide-narrow">
                <time dateTime={unit.createdAt}>{formatTime(unit.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Tags and context as chips that filter the unit list. */
export function Tags({ tags, context }: { tags: readonly string[]; context: string | null }) {
  return (
    <span className="chips">
      {context && (
        <Link className="chip context" to={`/units?context=${encodeURIComponent(context)}`}>
          @{context}
        </Link>
      )}
      {tags.map((tag) => (
        <Link className="chip" key={tag} to={`/units?tag=${encodeURIComponent(tag)}`}>
          {tag}
        </Link>
      ))}
    </span>
  );
}
