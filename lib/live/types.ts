import type { RegistrationState } from '../db/schema';

/** One pushed status change (the live stream's `status` event payload). */
export interface StatusEvent {
  id: number;
  registrationId: number;
  state: RegistrationState;
  code: number | null;
  reason: string | null;
  expiresAt: number | null;
  nextAttemptAt: number | null;
  target: string | null;
  at: number;
}
