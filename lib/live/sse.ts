// GET /api/events: Server-Sent Events served by the custom server (not by Next's bundled route
// handlers, whose module state is not shared with this process). A new client gets a
// `snapshot` of every registration's status; a reconnecting client with Last-Event-ID gets the
// coalesced events it missed (or a snapshot when they are gone). A slow client never queues
// more than one pending event per registration. A stream whose caller signs out (or whose
// session expires, token is revoked, operator is disabled) ends within seconds.
// The registrar engine's health rides along: in the snapshot, then as an `engine` event when it
// changes and every ENGINE_PING_MS, which doubles as the stream's keep-alive (EventSource does
// not hand SSE comments to the page, so the client sees a silent stream as a dead one).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Conn } from '../db/conn';
import { createEngineHealthReader, type EngineHealth } from '../engine/health';
import { coalesce, type EventTail } from './event-tail';
import type { StatusEvent } from './types';
import { snapshotData, snapshotScope } from './snapshot';

/** How often an open stream looks at the engine's health (sent when it changed). */
const ENGINE_CHECK_MS = 1_000;
/** The engine's health is sent at least this often, changed or not. */
const ENGINE_PING_MS = 5_000;
/** How often an open stream re-checks that its caller is still signed in. */
const RECHECK_MS = 5_000;

export type EventStreamOptions = {
  /**
   * Whether the caller may still listen (session not signed out or expired, token not revoked,
   * operator not disabled). Checked every `recheckMs`; the stream ends when it turns false.
   */
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
};

function lastEventId(req: IncomingMessage): number | null {
  const header = req.headers['last-event-id'];
  const fromQuery = new URL(req.url ?? '/', 'http://x').searchParams.get('lastEventId');
  const raw = (Array.isArray(header) ? header[0] : header) ?? fromQuery;
  if (raw === null || raw === undefined || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/**
 * One status event. Its `id:` (what the browser sends back as Last-Event-ID) is the event's id,
 * or the tail's watermark when that is lower (an earlier event is still missing: lib/live/event-tail.ts),
 * so a resume from it misses nothing.
 */
function statusPayload(e: StatusEvent, watermark: number): string {
  const { id: _id, ...payload } = e;
  return `id: ${Math.min(e.id, watermark)}\nevent: status\ndata: ${JSON.stringify(payload)}\n\n`;
}

function enginePayload(healthJson: string): string {
  return `event: engine\ndata: ${healthJson}\n\n`;
}

export function createEventStreamHandler(db: Conn, tail: EventTail, engineHealth: () => Promise<EngineHealth> = createEngineHealthReader(db)) {
  return async function handleEventStream(req: IncomingMessage, res: ServerResponse, opts: EventStreamOptions = {}): Promise<void> {
    // A tail nobody listened to has not moved since (the engine apart writes without waking it):
    // brought up to date first, so what was written meanwhile is in the snapshot, not pushed after it.
    await tail.poll();
    // Subscribed first: what the tail delivers while the snapshot (or the replay) is read waits
    // here and follows it, so nothing falls between the two.
    let early: StatusEvent[] | null = [];
    let closed = false;
    const unsubscribe = tail.subscribe((events) => (early ? early.push(...events) : send(events)));
    const position = tail.position;
    req.on('close', () => {
      closed = true;
      unsubscribe();
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');

    let pending = new Map<number, StatusEvent>();
    let blocked = false;
    const send = (events: StatusEvent[]) => {
      if (blocked) {
        for (const e of events) {
          pending.delete(e.registrationId);
          pending.set(e.registrationId, e);
        }
        return;
      }
      const watermark = tail.position;
      blocked = !res.write(events.map((e) => statusPayload(e, watermark)).join(''));
    };
    res.on('drain', () => {
      blocked = false;
      const queued = coalesce(pending.values());
      pending = new Map();
      if (queued.length > 0) send(queued);
    });

    let engineSent = JSON.stringify(await engineHealth());
    let engineSentAt = Date.now();
    const resumeFrom = lastEventId(req);
    const missed = resumeFrom === null ? null : await tail.replay(resumeFrom);
    // What was already sent per registration: an event delivered meanwhile goes after it only if newer.
    const sent = new Map<number, number>();
    if (missed) {
      if (missed.length > 0) send(missed);
      for (const e of missed) sent.set(e.registrationId, e.id);
      blocked = !res.write(enginePayload(engineSent)) || blocked;
    } else {
      const snapshot = await snapshotData(db, snapshotScope(req), engineSent);
      blocked = !res.write(`id: ${position}\nevent: snapshot\ndata: ${snapshot}\n\n`);
    }
    const held = early.filter((e) => e.id > position && e.id > (sent.get(e.registrationId) ?? -1));
    early = null;
    if (held.length > 0) send(coalesce(held));
    if (closed) return;
    const engineCheck = setInterval(async () => {
      let text: string;
      try {
        text = JSON.stringify(await engineHealth());
      } catch {
        return; // database busy: the next check tries again (a throw here would end the process)
      }
      if (blocked || (text === engineSent && Date.now() - engineSentAt < ENGINE_PING_MS)) return;
      engineSent = text;
      engineSentAt = Date.now();
      blocked = !res.write(enginePayload(text));
    }, ENGINE_CHECK_MS);
    const { stillAllowed } = opts;
    const recheck = stillAllowed
      ? setInterval(() => {
          stillAllowed().then(
            (allowed) => allowed || res.end(),
            () => undefined, // database busy: the next check tries again
          );
        }, opts.recheckMs ?? RECHECK_MS)
      : undefined;
    const close = () => {
      clearInterval(engineCheck);
      clearInterval(recheck);
      unsubscribe();
    };
    if (closed) close();
    req.on('close', close);
    res.on('error', close);
  };
}
