import 'server-only';
import { getDb } from '../db/client';
import * as live from './live';

export async function getTimeline(id: number, limit = 200) {
  return live.registrationExists(getDb(), id) ? live.listEvents(getDb(), id, limit) : null;
}

export async function getUptime(id: number) {
  return live.registrationExists(getDb(), id) ? live.uptime(getDb(), id) : null;
}

export async function getTrace(id: number) {
  return live.registrationExists(getDb(), id) ? live.listTrace(getDb(), id) : null;
}
