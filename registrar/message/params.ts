// Generic ";name=value" parameter lists used by URIs, Via, Contact, To/From
// (RFC 3261 §19.1.1, §20.42, §25.1 generic-param). Names are lower-cased;
// quoted values keep their content without the quotes.
// Read-only: a parsed list is never changed in place (copy it with `new Map(params)`), so every
// empty one is the same map (issue 12: one Map per registration's request URI, ≈ 450 B each).
export type Params = ReadonlyMap<string, string | null>;

const NO_PARAMS: Params = new Map();

export function parseParams(text: string): Params {
  if (text.length === 0) return NO_PARAMS;
  const params = new Map<string, string | null>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    let j = i;
    while (j < text.length && text[j] !== '=' && text[j] !== ';') j++;
    const name = text.slice(i, j).trim().toLowerCase();
    if (j < text.length && text[j] === '=') {
      j++;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '"') {
        let k = j + 1;
        let v = '';
        while (k < text.length && text[k] !== '"') {
          if (text[k] === '\\' && k + 1 < text.length) k++;
          v += text[k++];
        }
        if (name) params.set(name, v);
        i = k + 1;
      } else {
        let k = j;
        while (k < text.length && text[k] !== ';') k++;
        if (name) params.set(name, text.slice(j, k).trim());
        i = k;
      }
    } else {
      if (name) params.set(name, null);
      i = j;
    }
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
