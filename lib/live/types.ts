import type { RegistrationState } from '../../registrar/domain/vocabulary';

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
