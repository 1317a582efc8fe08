import { ROLES as roles, type Role } from '../../registrar/domain/vocabulary';

export { roles, type Role };

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** True when `role` grants at least what `needed` grants (admin ⊃ editor ⊃ viewer). */
export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

export const roleDescriptions: Record<Role, string> = {
  admin: 'Everything, including operators management.',
  editor: 'Manage DDI providers and registrations.',
  viewer: 'Read-only: sees status, cannot change anything or see secrets.',
};
