/** A state change on the timeline: from `at` on, the registration was in `state`. */
export interface TimelinePoint {
  state: string;
  at: number;
}

/**
 * Fraction of [from, to) spent `registered`, given the transitions in time order and the last
 * transition before `from` (if any). Time before the first known transition is not counted;
 * null when nothing is known about the window.
 */
export function registeredRatio(before: TimelinePoint | null, points: TimelinePoint[], from: number, to: number): number | null {
  let current = before;
  let cursor = before ? from : (points[0]?.at ?? to);
  const start = cursor;
  let up = 0;
  for (const p of points) {
    if (p.at < from || p.at >= to) continue;
    if (current?.state === 'registered') up += p.at - cursor;
    cursor = Math.max(cursor, p.at);
    current = p;
  }
  if (current?.state === 'registered') up += to - cursor;
  const known = to - start;
  return known > 0 ? up / known : null;
}
