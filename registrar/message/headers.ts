// Header storage for parsed messages. Names are canonical lower-case (compact
// forms expanded); each header line keeps its own value in arrival order.
export class Headers {
  private readonly map = new Map<string, string[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(name: string, value: string): void {
    const list = this.map.get(name);
    if (list) list.push(value);
    else this.map.set(name, [value]);
    this.count++;
  }

  /** First value of a header, or undefined. */
  get(name: string): string | undefined {
    return this.map.get(name)?.[0];
  }

  /** All header lines with this name, unsplit. */
  getAll(name: string): readonly string[] {
    return this.map.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.map.has(name);
  }
}

/**
 * Splits a header value on commas that separate list elements, ignoring commas
 * inside quoted strings and <...> (RFC 3261 §7.3.1 lists, e.g. Contact).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) quoted = false;
    } else if (ch === 0x22) quoted = true;
    else if (ch === 0x3c) angle = true;
    else if (ch === 0x3e) angle = false;
    else if (ch === 0x2c && !angle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}
