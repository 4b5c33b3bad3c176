/** Rows shown before the table says how many more there are. */
const MAX_ROWS = 500;

/** Tabular data (CSV, JSON arrays) with a header row, capped at MAX_ROWS rows. */
export function DataTable({
  columns,
  rows,
}: {
  columns: readonly string[];
  rows: readonly string[][];
}) {
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="table-wrap">
      <table className="data grid">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row, r) => (
            <tr key={r}>
              {columns.map((_, c) => (
                <td key={c}>{row[c] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > MAX_ROWS && (
        <p className="small muted">
          Showing {MAX_ROWS.toLocaleString('en')} of {rows.length.toLocaleString('en')} rows.
        </p>
      )}
    </div>
  );
}
