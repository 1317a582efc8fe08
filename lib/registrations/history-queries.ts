import 'server-only';
import { getDb } from '../db/client';
import { availabilityBands, stateHistory, type BandRange } from './history';
import { registrationExists } from './live';

/** A registration's state bands over `range`, or null when it does not exist. */
export async function getAvailabilityBands(id: number, range: BandRange) {
  return (await registrationExists(getDb(), id)) ? availabilityBands(getDb(), id, range) : null;
}

/** Per-minute state counts of the last 24 hours (the dashboard's chart). */
export async function getStateHistory() {
  return stateHistory(getDb());
}
