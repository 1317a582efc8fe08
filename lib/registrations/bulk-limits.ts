/** Registrations handled per bulk request (no imports: the browser's bulk runner reads it too). */
export const BULK_CHUNK = 500;
