'use client';

import { useId, type ReactNode } from 'react';

export type ToolbarOption = { value: string; label: string };

/** A labelled select for TableToolbar's filters or actions slot. */
export function ToolbarSelect({ label, value, onChange, options }: { label: string; value: string; onChange: (value: string) => void; options: readonly ToolbarOption[] }) {
  const id = useId();
  return (
    <div className="toolbar-item">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

type Props = {
  /** The search box (labelled "Search"); `controls`/`describedBy`: ids of the table or count it drives. */
  search: { value: string; onChange: (value: string) => void; placeholder: string; controls?: string; describedBy?: string };
  /** Filters after the search box (ToolbarSelects). */
  filters?: ReactNode;
  /** View controls or buttons, at the right end. */
  actions?: ReactNode;
};

/** The search-and-filter bar above a table (the registrations list, the dashboard's table). */
export function TableToolbar({ search, filters, actions }: Props) {
  const id = useId();
  return (
    <div className="toolbar" role="search">
      <div className="toolbar-item grow">
        <label htmlFor={id}>Search</label>
        <input
          id={id}
          type="search"
          value={search.value}
          onChange={(e) => search.onChange(e.target.value)}
          placeholder={search.placeholder}
          aria-controls={search.controls}
          aria-describedby={search.describedBy}
        />
      </div>
      {filters}
      {actions ? <div className="toolbar-actions">{actions}</div> : null}
    </div>
  );
}
