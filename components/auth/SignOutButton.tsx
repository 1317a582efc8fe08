'use client';

import { useState } from 'react';
import { api } from '@/lib/client/api';

/** Revokes the session on the server, then leaves for the sign-in page (also when it had expired already). */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button button-small nav-signout"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await api.auth.logout().catch(() => undefined);
        window.location.assign('/login');
      }}
    >
      Sign out
    </button>
  );
}
