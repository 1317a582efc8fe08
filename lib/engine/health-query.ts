import 'server-only';
import { getDb } from '../db/client';
import { createEngineHealthReader, type EngineHealth } from './health';

let read: (() => Promise<EngineHealth>) | undefined;

/** The registrar engine's health now (for route handlers and server components). */
export function getEngineHealth(): Promise<EngineHealth> {
  read ??= createEngineHealthReader(getDb());
  return read();
}
