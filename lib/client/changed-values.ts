/**
 * The part of a form's parsed values that the operator changed (react-hook-form `dirtyFields`).
 * Edits PATCH only these, so a save never writes back stale copies of fields someone else changed
 * meanwhile — also not with "Save mine anyway", which applies the operator's changes on top of theirs.
 */
export function changedValues<T extends object>(values: T, dirtyFields: Partial<Record<keyof T, unknown>>): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => Boolean(dirtyFields[key as keyof T]))) as Partial<T>;
}
