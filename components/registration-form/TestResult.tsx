'use client';

import { describeLocalCause, formatOutcome, formatSeconds, targetTransport } from '@/lib/client/format';
import { outcomeHint } from '@/lib/client/outcome-hints';
import type { TestOutcome } from '@/lib/client/types';
import { SipLadder } from '../SipLadder';
import { StatusBadge } from '../StatusBadge';

type TestState = {
  isPending: boolean;
  isError: boolean;
  error: Error | null;
  data: TestOutcome | undefined;
};

/** Outcome of "Test registration": state, code/reason, target and the SIP ladder. */
export function TestResult({ state }: { state: TestState }) {
  if (state.isPending) {
    return (
      <section className="test-result card" aria-live="polite" aria-busy="true">
        <h3>Test registration</h3>
        <p className="muted">Sending REGISTER… (a server that does not answer takes about 32 s to time out)</p>
      </section>
    );
  }
  if (state.isError) {
    return (
      <section className="test-result card" aria-live="polite">
        <h3>Test registration</h3>
        <p role="alert" className="alert alert-error">
          {state.error?.message ?? 'The test could not be run.'}
        </p>
      </section>
    );
  }
  if (!state.data) return <div aria-live="polite" />;
  const s = state.data.status;
  const local = s && !s.code && s.reason ? describeLocalCause(s.reason) : undefined;
  const hint = s ? outcomeHint(s.code, s.reason) : undefined;
  return (
    <section className="test-result card" aria-live="polite" aria-labelledby="test-result-title">
      <h3 id="test-result-title">Test registration result</h3>
      <dl className="facts">
        <div>
          <dt>State</dt>
          <dd>
            <StatusBadge status={s} />
          </dd>
        </div>
        <div>
          <dt>Response</dt>
          <dd title={local}>
            {s ? formatOutcome(s.code, s.reason) : '—'}
            {local ? <span className="muted"> — {local}</span> : null}
            {hint ? <span className="outcome-hint">{hint}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd className="mono">{s?.target ?? '—'}</dd>
        </div>
        <div>
          <dt>Transport</dt>
          <dd>{targetTransport(s?.target)?.toUpperCase() ?? '—'}</dd>
        </div>
        <div>
          <dt>Granted expires</dt>
          <dd>{s?.grantedExpires ? formatSeconds(s.grantedExpires) : '—'}</dd>
        </div>
      </dl>
      <h4>SIP messages</h4>
      <SipLadder messages={state.data.trace} emptyText="No SIP message was exchanged." />
    </section>
  );
}
