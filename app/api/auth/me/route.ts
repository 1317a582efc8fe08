import { json, route } from '@/lib/api/http';
import { publicOperator } from '@/lib/auth/principal';

export const dynamic = 'force-dynamic';

/** The signed-in operator (`id, email, name, role`) and how they authenticated. */
export const GET = route((_req, _ctx, principal) => json({ operator: publicOperator(principal), via: principal.via }));
