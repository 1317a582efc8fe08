// Wording of a request's retransmissions (Timer E, RFC 3261 §17.1.2.2) for the SIP ladder: the
// engine gives each retransmission's send time in ms after the first send.

/** Times shown before the list is cut short ("0.5, 1.5, 3.5 … 31.5 s"). */
const SHOWN = 3;

function secondsFormat(locale?: string): { format: (ms: number) => string; separator: string } {
  // Hundredths: timer jitter of a few ms is noise to the reader (0.502 → 0.5); T1 = 50 ms stays 0.05.
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  // A locale writing "0,5" separates the times with "; " so that they stay apart.
  const decimal = nf.formatToParts(0.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return { format: (ms) => nf.format(ms / 1000), separator: decimal === ',' ? '; ' : ', ' };
}

/**
 * "×10 retransmitted at 0.5, 1.5, 3.5 … 31.5 s" (`full`: every time), or null when there were none.
 * Times are seconds after the first send.
 */
export function describeRetransmits(retransmits: readonly number[] | null | undefined, options: { full?: boolean; locale?: string } = {}): string | null {
  if (!retransmits || retransmits.length === 0) return null;
  const { format, separator } = secondsFormat(options.locale);
  const all = retransmits.map(format);
  const shown = options.full || all.length <= SHOWN + 1 ? all.join(separator) : `${all.slice(0, SHOWN).join(separator)} … ${all[all.length - 1]}`;
  return `×${retransmits.length} retransmitted at ${shown} s`;
}
