// The registrar engine as the portal's child process (`npm start` with REGISTRAR_ENABLED=true):
// forked from the same build (dist/registrar.mjs; registrar/main.ts under `npm run dev`), so SIP
// traffic and relayed calls never take turns with page renders and API requests on the portal's
// event loop (tests/bench/calls.ts --compare measures the difference). Supervised here:
//  - its start failure (e.g. SIP_BIND in use) is logged by the child in one line and written to
//    its heartbeat row (the banner); it exits EXIT_START_FAILED and is not restarted (the
//    setting must change first);
//  - any other death is logged, written to its heartbeat row (stopped, "restarting in N s") and
//    followed by a restart after a backoff (1 s doubling to 60 s; back to 1 s once a child has run
//    for a minute);
//  - stop() asks it to stop (it unregisters every binding within REGISTRAR_SHUTDOWN_DEADLINE_MS)
//    and waits for its exit, killing it only past that deadline;
//  - the child watches its IPC channel: a portal killed hard closes it, and the child stops
//    (unregisters) and exits instead of holding the SIP port as an orphan (registrar/main.ts).
// Its log lines go to the portal's stdout (inherited), pino JSON like the portal's own.
import { and, eq } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { engineNodes } from '../db/schema';
import { fork, type ChildProcess } from 'node:child_process';

/** Portal → engine over IPC: read the change journal now; stop (unregister) and exit. */
export type ToEngine = { type: 'wake' } | { type: 'stop' };
/** Engine → portal over IPC: started (SIP_BIND as served); wrote statuses (the live stream reads them now). */
export type FromEngine = { type: 'ready'; bind: string } | { type: 'flushed' };

/** Exit status of an engine whose start failed (bad or taken SIP_BIND…): not restarted (sysexits EX_CONFIG). */
export const EXIT_START_FAILED = 78;

export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** A child that ran this long resets the delay to firstMs. */
  stableMs: number;
}

const DEFAULT_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 60_000, stableMs: 60_000 };

export interface EngineProcessOptions {
  /** The engine's entry module and the Node options to run it with. */
  entry: string;
  execArgv?: string[];
  /** The engine wrote statuses. */
  onFlush(): void;
  /** The child (pid) died unexpectedly: `reason` says how and when it restarts (for its heartbeat row). */
  onDeath(pid: number, reason: string): void;
  log: { info(line: string): void; error(line: string): void };
  /** How long a stopping child may take (its unregister deadline and some margin) before SIGKILL. */
  stopDeadlineMs: number;
  backoff?: Partial<Backoff>;
}

export class EngineProcess {
  private child: ChildProcess | null = null;
  private stopping = false;
  private quickDeaths = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  /** Times the engine was restarted after dying. */
  restarts = 0;

  constructor(private readonly options: EngineProcessOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  /** Starts the child; resolves with its SIP_BIND as served once ready, or null when it did not start. */
  start(): Promise<string | null> {
    return new Promise((resolve) => this.spawn(resolve));
  }

  /** The child's pid while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Tells the engine a change was committed: it reads the journal now instead of at its next poll. */
  wake(): void {
    this.send({ type: 'wake' });
  }

  /** Stops the child (it unregisters every binding) and waits for its exit; no restart after. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (!this.send({ type: 'stop' })) child.kill('SIGTERM');
    const kill = setTimeout(() => {
      this.options.log.error(`registrar: the engine process did not stop within ${this.options.stopDeadlineMs} ms: killed`);
      child.kill('SIGKILL');
    }, this.options.stopDeadlineMs);
    await exited;
    clearTimeout(kill);
  }

  private send(message: ToEngine): boolean {
    const child = this.child;
    if (!child?.connected) return false;
    child.send(message, (err) => {
      // The channel closed between the check and the send: the exit handler takes it from here.
      if (err) return;
    });
    return true;
  }

  private spawn(onReady: (bind: string | null) => void = () => {}): void {
    this.restartTimer = null;
    const startedAt = Date.now();
    const child = fork(this.options.entry, [], {
      execArgv: this.options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    });
    this.child = child;
    let ready = false;
    child.on('message', (message: FromEngine) => {
      if (message.type === 'flushed') this.options.onFlush();
      else if (message.type === 'ready') {
        ready = true;
        onReady(message.bind);
      }
    });
    child.on('error', (err) => this.options.log.error(`registrar: engine process: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (!ready) onReady(null);
      if (this.stopping) return;
      // Its start failed: the child logged why and wrote it to its heartbeat row; a restart would fail alike.
      if (code === EXIT_START_FAILED) return;
      this.quickDeaths = Date.now() - startedAt >= this.backoff.stableMs ? 0 : this.quickDeaths + 1;
      const delayMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** Math.max(0, this.quickDeaths - 1));
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      const reason = `the engine process died (${how}); restarting in ${Math.round(delayMs / 100) / 10} s`;
      this.options.log.error(`registrar: ${reason} (restart ${this.restarts + 1})`);
      if (child.pid !== undefined) this.options.onDeath(child.pid, reason);
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.spawn();
      }, delayMs);
    });
  }
}

/**
 * Writes an engine that died (pid) as stopped with `reason` in its heartbeat row, so the banner
 * and GET /api/health say so at once instead of after three missed beats.
 */
export async function markEngineDead(db: Conn, pid: number, reason: string): Promise<void> {
  await db.update(engineNodes).set({ state: 'stopped', reason }).where(and(eq(engineNodes.pid, pid), eq(engineNodes.state, 'running')));
}
