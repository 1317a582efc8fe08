import type { Role } from './roles';

/** The operator behind a request, and how they proved it. */
export type Principal = {
  operatorId: number;
  email: string;
  name: string;
  role: Role;
  via: 'session' | 'token';
  /** SHA-256 id of the session (via `session`). */
  sessionId?: string;
  /** The API token used (via `token`). */
  tokenId?: number;
  tokenName?: string;
};

/** Who an audit entry names: an operator (through a session or a named token) or the system. */
export type Actor = { operatorId: number | null; label: string; via: string };

export function actorOf(principal: Principal): Actor {
  return {
    operatorId: principal.operatorId,
    label: principal.email,
    via: principal.via === 'token' ? `token:${principal.tokenName ?? principal.tokenId}` : 'session',
  };
}

export const systemActor: Actor = { operatorId: null, label: 'system', via: 'system' };

/** What the browser may know about the signed-in operator. */
export type OperatorPublic = { id: number; email: string; name: string; role: Role };

export function publicOperator(p: Principal): OperatorPublic {
  return { id: p.operatorId, email: p.email, name: p.name, role: p.role };
}
