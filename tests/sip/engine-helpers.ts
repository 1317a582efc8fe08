// Shared helpers of the engine integration tests (tests/sip/*.test.ts): an Engine
// bound to 127.0.0.1 with short timings, configs, and polling waits.
import type { TestContext } from 'node:test';
import { Engine, type EngineOptions } from '../../registrar/engine';
import type { RegistrationConfig } from '../../registrar/registration/config';
import type { RegistrationStatus, TraceEvent, TraceRetransmits } from '../../registrar/registration/status';
import { waitUntil } from '../deadline';

export { sleep, waitUntil } from '../deadline';

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

/**
 * Runs `fn` after the test, last registered first (node:test runs `after` hooks
 * first-in first-out: an engine must stop before the registrar it unregisters from).
 */
export function defer(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const s: Array<() => unknown> = [];
    stack = s;
    stacks.set(t, s);
    t.after(async () => {
      const errors: unknown[] = [];
      while (s.length > 0) {
        try {
          await s.pop()!();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw errors[0];
    });
  }
  stack.push(fn);
}

/** Engine on 127.0.0.1 (ephemeral UDP port), no start-up spread, fast retries; stopped after the test. */
export function testEngine(t: TestContext, options: EngineOptions = {}): Engine {
  const engine = new Engine({
    bindAddress: '127.0.0.1',
    bindPort: 0,
    publicHost: '127.0.0.1',
    startupSpreadMs: 0,
    backoffFloorMs: 300,
    backoffCapMs: 2_000,
    // A rejected registration must not come back within a test.
    rejectedRetryMinMs: 120_000,
    rejectedRetryMaxMs: 120_000,
    minRefreshMs: 500,
    ...options,
  });
  let stopped = false;
  const origStop = engine.stop.bind(engine);
  engine.stop = async (deadlineMs?: number) => {
    if (stopped) return;
    stopped = true;
    await origStop(deadlineMs);
  };
  defer(t, () => engine.stop(2000));
  return engine;
}

export function config(overrides: Partial<RegistrationConfig> & { id: string }): RegistrationConfig {
  return {
    username: 'alice',
    domain: '127.0.0.1',
    ddi: '493012345678',
    password: 'secret',
    expires: 3600,
    transport: 'udp',
    enabled: true,
    ...overrides,
  };
}

/** Waits for the registration's status to satisfy `pred`. */
export function waitStatus(
  engine: Engine,
  id: string,
  pred: (s: RegistrationStatus) => boolean,
  timeoutMs = 5000,
): Promise<RegistrationStatus> {
  return waitUntil(`status of ${id}`, () => engine.status(id), (s): s is RegistrationStatus => s !== null && pred(s), timeoutMs, 10) as Promise<RegistrationStatus>;
}

export const inState = (...states: RegistrationStatus['state'][]) => (s: RegistrationStatus) => states.includes(s.state);

/** Records every status and trace event of the engine. */
export function record(engine: Engine): { statuses: RegistrationStatus[]; traces: TraceEvent[]; retransmits: TraceRetransmits[] } {
  const statuses: RegistrationStatus[] = [];
  const traces: TraceEvent[] = [];
  const retransmits: TraceRetransmits[] = [];
  engine.on('status', (s) => statuses.push(s));
  engine.on('trace', (t) => traces.push(t));
  engine.on('retransmits', (r) => retransmits.push(r));
  return { statuses, traces, retransmits };
}

/** First value of a header in a SIP message text. */
export function header(text: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.*?)\\r?$`, 'im').exec(text)?.[1];
}

export function isRegister(text: string): boolean {
  return text.startsWith('REGISTER ');
}
