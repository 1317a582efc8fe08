// How many registrations an engine node should hold: an equal share of `total` among the live
// nodes, rounded up (so the shares cover every registration), and what that means for this node
// now: hand back the excess, or claim up to the share. Moves no more than needed: a node at its
// share does nothing, one above hands back exactly its excess (the others claim exactly that).
// With N registrations and n nodes every node ends within one of N/n: inside ±10 % once N/n ≥ 10.

export interface BalanceStep {
  /** This node's share. */
  target: number;
  /** Leases to claim now (expired or never held ones). */
  claim: number;
  /** Leases to hand back now. */
  release: number;
}

/** ceil(total / live), live counted as at least one (this node). */
export function shareOf(total: number, live: number): number {
  return Math.ceil(Math.max(0, total) / Math.max(1, live));
}

export function balanceStep(held: number, total: number, live: number): BalanceStep {
  const target = shareOf(total, live);
  return { target, claim: Math.max(0, target - held), release: Math.max(0, held - target) };
}
