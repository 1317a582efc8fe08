'use client';

import { createContext, useContext, type ReactNode } from 'react';
import type { OperatorPublic } from '@/lib/auth/principal';
import { atLeast, type Role } from '@/lib/auth/roles';

const SessionContext = createContext<OperatorPublic | null>(null);

/** Makes the signed-in operator (loaded by the root layout on the server) known to client components. */
export function SessionProvider({ operator, children }: { operator: OperatorPublic | null; children: ReactNode }) {
  return <SessionContext.Provider value={operator}>{children}</SessionContext.Provider>;
}

export function useOperator(): OperatorPublic | null {
  return useContext(SessionContext);
}

/**
 * Whether the operator has at least `role`: the UI hides what they may not do (the server
 * refuses it anyway). `editor` = may change providers and registrations.
 */
export function useCan(role: Role): boolean {
  const operator = useOperator();
  return operator !== null && atLeast(operator.role, role);
}
