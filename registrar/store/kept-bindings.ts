// What each registration's lease row holds of its binding (Call-ID, CSeq, Contact), as this
// node's status writer last wrote it, so a status whose binding did not change costs no UPDATE of
// the lease row (issue 12: one per status in a 10,000 burst). Used by both status writers
// (status-writer.ts on SQLite, async-status-store.ts on PostgreSQL).
import { KEEP_CSEQ_STEP } from '../registration/cseq-gap';

interface Kept {
  token: number;
  callId: string;
  cseq: number;
  contact: string | null;
}

export class KeptBindings {
  private readonly kept = new Map<number, Kept>();

  /** Whether the lease row must be written for this binding (false: it holds it, near enough). */
  changed(id: number, token: number, callId: string, cseq: number | null, contact: string | null): boolean {
    const k = this.kept.get(id);
    if (k === undefined || k.token !== token || k.callId !== callId || k.contact !== contact) return true;
    const ahead = (cseq ?? 0) - k.cseq;
    return ahead < 0 || ahead >= KEEP_CSEQ_STEP;
  }

  /** The lease row was written with this binding (in a transaction that then committed, or will). */
  written(id: number, token: number, callId: string, cseq: number | null, contact: string | null): void {
    this.kept.set(id, { token, callId, cseq: cseq ?? 0, contact });
  }

  forget(id: number): void {
    this.kept.delete(id);
  }

  /** A transaction failed: what it wrote was rolled back. */
  clear(): void {
    this.kept.clear();
  }
}
