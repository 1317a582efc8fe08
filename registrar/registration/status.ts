// Observable state of one registration (emitted on every transition) and the local causes: domain
// vocabulary (domain/vocabulary.ts), shared with the portal.
import type { RegistrationState, TraceDirection } from '../domain/vocabulary';

export type { LocalCause, RegistrationState } from '../domain/vocabulary';

/** A zero count for every state (counters, metrics). */
export function countByState(): Record<RegistrationState, number> {
  return { disabled: 0, pending: 0, registering: 0, registered: 0, retrying: 0, rejected: 0, unregistering: 0, unregistered: 0 };
}

export interface RegistrationStatus {
  registrationId: string;
  state: RegistrationState;
  /** Last SIP status code, null for local causes. */
  code: number | null;
  /** SIP reason phrase or a LocalCause. */
  reason: string | null;
  /** Epoch ms of this transition. */
  at: number;
  /** Consecutive failed attempts (0 after a success). */
  attempts: number;
  requestedExpires: number;
  grantedExpires: number | null;
  /** Epoch ms when the current binding lapses. */
  expiresAt: number | null;
  /** Epoch ms of the next scheduled REGISTER (refresh or retry). */
  nextAttemptAt: number | null;
  /** 'ip:port/transport' of the server used last. */
  target: string | null;
  lastSuccessAt: number | null;
}

/**
 * Outcomes of binding audits (REGISTER without Contact, RFC 3261 §10.2.3): our Contact
 * listed; lost (not listed); answered without any Contact, or with an error, or not at all
 * (a refresh replaced it); replaced by a refresh because the registrar does not answer
 * queries usefully.
 */
export interface BindingCheckCounters {
  listed: number;
  lost: number;
  contactless: number;
  refused: number;
  failed: number;
  refreshed: number;
}

export function newBindingCheckCounters(): BindingCheckCounters {
  return { listed: 0, lost: 0, contactless: 0, refused: 0, failed: 0, refreshed: 0 };
}

export interface TraceEntry {
  /** 'note': the engine's own remark between messages (e.g. why a refresh replaced a binding query). */
  direction: TraceDirection;
  at: number;
  /** 'ip:port/transport' */
  remote: string;
  /** Message text with digest responses and passwords redacted. */
  text: string;
  /**
   * A request sent over UDP and retransmitted (Timer E, RFC 3261 §17.1.2.2): when each
   * retransmission went out, ms after `at`. Set once its transaction ended; absent when none was.
   */
  retransmits?: number[];
}

export interface TraceEvent extends TraceEntry {
  registrationId: string;
  /**
   * Called by a store once it has queued this message to be written: the engine forgets its
   * in-memory copy and every older one of the registration (a `watch` copies in only messages
   * newer than the newest written, so those would never be read again).
   */
  persisted?(): void;
}

/** A request of `registrationId` sent at `at` was retransmitted at these times (ms after `at`). */
export interface TraceRetransmits {
  registrationId: string;
  at: number;
  retransmits: number[];
}
