// Worker thread of the StatusStore (store/write-thread.ts starts it): owns a better-sqlite3
// connection of its own to the portal database and writes the batches the engine's thread
// posts, in transactions of `writeChunk` rows. Each batch is answered on the result port with
// what it wrote (or the error), then its sequence number is published in the shared counter,
// so the engine's thread can wait for it synchronously at shutdown (Atomics.wait).
import Database from 'better-sqlite3';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { StatusWriter, type StatusRow, type TraceRow } from './status-writer';

export interface WriteWorkerData {
  databasePath: string;
  traceKeep: number;
  writeChunk: number;
  /** Int32Array over a SharedArrayBuffer: [0] = sequence number of the last batch answered. */
  done: Int32Array;
  results: MessagePort;
}

export interface WriteBatch {
  seq: number;
  statuses: StatusRow[];
  traces: TraceRow[];
}

const data = workerData as WriteWorkerData;
const sqlite = new Database(data.databasePath);
// As lib/db/client.ts opens it (the file is already migrated and in WAL mode).
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('busy_timeout = 5000');
sqlite.pragma('foreign_keys = ON');
const writer = new StatusWriter(sqlite, data.traceKeep);

parentPort!.on('message', ({ seq, statuses, traces }: WriteBatch) => {
  try {
    data.results.postMessage({ seq, rows: statuses.length + traces.length, outcome: writer.writeChunked(statuses, traces, data.writeChunk) });
  } catch (err) {
    data.results.postMessage({ seq, rows: statuses.length + traces.length, error: err instanceof Error ? err.message : String(err) });
  }
  Atomics.store(data.done, 0, seq);
  Atomics.notify(data.done, 0);
});
