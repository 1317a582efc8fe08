import { z } from 'zod';

/** `?range=` of GET /api/registrations/{id}/availability/bands. */
export const bandsQuerySchema = z.object({ range: z.enum(['24h', '7d']).default('24h') }).strict();
