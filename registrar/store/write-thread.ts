// The engine's side of write-worker.ts: posts batches of rows to the worker thread and takes its
// answers, asynchronously as they come (`onResult`) or synchronously (`wait`, for shutdown and
// for a `watch`, which must see what was written).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { StatusRow, TraceRow, WriteOutcome } from './status-writer';
import type { WriteBatch, WriteWorkerData } from './write-worker';

export type WriteResult = { seq: number; rows: number } & ({ outcome: WriteOutcome; error?: undefined } | { error: string; outcome?: undefined });

/**
 * The worker: the bundle's own entry in dist/ (scripts/build-node.mjs); under tsx (tests,
 * benchmarks) the .ts next to this file, loaded after registering tsx in the worker (Node 20
 * does not apply the parent's `--import tsx` hooks to a worker's entry module).
 */
function startWorker(workerData: WriteWorkerData, transferList: MessagePort[]): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store-writer.mjs', import.meta.url), { workerData, transferList });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./write-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData, transferList });
}

export class WriteThread {
  private readonly worker: Worker;
  private readonly results: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  /** Rows posted and not answered yet. */
  inFlight = 0;

  constructor(
    options: { databasePath: string; traceKeep: number; writeChunk: number },
    private readonly onResult: (result: WriteResult) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.results = port1;
    const workerData: WriteWorkerData = { ...options, done: this.done, results: port2 };
    this.worker = startWorker(workerData, [port2]);
    this.worker.unref();
    this.results.on('message', (r: WriteResult) => this.take(r));
    this.results.unref();
    this.worker.on('error', (err) => this.take({ seq: -1, rows: 0, error: `write thread: ${err.message}` }));
  }

  post(statuses: StatusRow[], traces: TraceRow[]): void {
    const batch: WriteBatch = { seq: ++this.seq, statuses, traces };
    this.inFlight += statuses.length + traces.length;
    // Held open while a batch is out, so its answer comes even when nothing else keeps the process alive.
    this.results.ref();
    this.worker.postMessage(batch);
  }

  /** Blocks until every batch posted so far is answered (at most `timeoutMs`), and takes the answers. */
  wait(timeoutMs = 30_000): void {
    const deadline = Date.now() + timeoutMs;
    for (let done = Atomics.load(this.done, 0); done < this.seq; done = Atomics.load(this.done, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`status writes: the write thread did not answer within ${timeoutMs} ms`);
      Atomics.wait(this.done, 0, done, left);
    }
    for (let m = receiveMessageOnPort(this.results); m; m = receiveMessageOnPort(this.results)) this.take(m.message as WriteResult);
  }

  async close(): Promise<void> {
    this.results.close();
    await this.worker.terminate();
  }

  private take(result: WriteResult): void {
    this.inFlight -= result.rows;
    if (this.inFlight === 0) this.results.unref();
    this.onResult(result);
  }
}
