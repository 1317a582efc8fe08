// A sortable column header: a button that sorts by this column, aria-sort on the header cell.
export function SortHeader<S extends string>({
  column,
  label,
  sort,
  order,
  onSort,
  className,
}: {
  column: S;
  label: string;
  sort: S;
  order: 'asc' | 'desc';
  onSort: (column: S) => void;
  className?: string;
}) {
  const active = sort === column;
  return (
    <th scope="col" className={className} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}
