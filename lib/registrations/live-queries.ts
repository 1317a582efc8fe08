import 'server-only';
import { getDb } from '../db/client';
import * as live from './live';

export async function getTimeline(id: number, limit = 200) {
  return (await live.registrationExists(getDb(), id)) ? live.listEvents(getDb(), id, limit) : null;
}

export async function getUptime(id: number) {
  return (await live.registrationExists(getDb(), id)) ? live.uptime(getDb(), id) : null;
}

/** The stored messages; reading them starts (or renews) the engine's `watch` lease, so the next ones are stored as they come. */
export async function getTrace(id: number) {
  if (!(await live.registrationExists(getDb(), id))) return null;
  await live.watchTrace(getDb(), id);
  return live.listTrace(getDb(), id);
}
