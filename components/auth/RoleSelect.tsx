import type { ComponentProps } from 'react';
import { roles } from '@/lib/auth/roles';

const roleLabels = { admin: 'Admin', editor: 'Editor', viewer: 'Viewer' } as const;

/** The three roles, most powerful first; the field's hint describes the one selected (roleDescriptions). */
export function RoleSelect(props: ComponentProps<'select'>) {
  return (
    <select {...props}>
      {roles.map((r) => (
        <option key={r} value={r}>
          {roleLabels[r]}
        </option>
      ))}
    </select>
  );
}
