import { route } from '@/lib/api/http';
import { signOut } from '@/lib/auth/actions';
import { withoutSession } from '@/lib/auth/http';

export const dynamic = 'force-dynamic';

/** Revokes the current session on the server and clears the cookie. */
export const POST = route(async (req, _ctx, principal) => {
  await signOut(principal);
  return withoutSession(req, { signedOut: true });
});
