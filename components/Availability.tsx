'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { useDebounced } from '@/lib/client/use-debounced';
import { ddiRule, domainRule, usernameRule } from '@/lib/registrations/rules';
import type { Availability } from '@/lib/client/types';

export type AvailabilityState = State;
type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'error' } | { kind: 'done'; result: Availability };

function toState(typing: boolean, enabled: boolean, q: { isFetching: boolean; isError: boolean; data?: Availability }): State {
  if (!enabled) return { kind: 'idle' };
  if (typing || (q.isFetching && !q.data)) return { kind: 'checking' };
  if (q.isError) return { kind: 'error' };
  if (q.data) return { kind: 'done', result: q.data };
  return { kind: 'checking' };
}

/** Live DDI uniqueness: debounced, cached by (ddi, excludeId). */
export function useDdiAvailability(ddi: string | undefined, excludeId?: number): State {
  const value = (ddi ?? '').trim();
  const debounced = useDebounced(value, 300);
  const valid = ddiRule.safeParse(debounced).success;
  const q = useQuery({
    queryKey: keys.ddiAvailability(debounced, excludeId),
    queryFn: () => api.registrations.ddiAvailability(debounced, excludeId),
    enabled: valid,
    staleTime: 2_000,
  });
  return toState(value !== debounced, valid, q);
}

/** Live Username + Domain uniqueness. */
export function useAccountAvailability(username: string | undefined, domain: string | undefined, excludeId?: number): State {
  const u = (username ?? '').trim();
  const d = (domain ?? '').trim().toLowerCase();
  const debouncedU = useDebounced(u, 300);
  const debouncedD = useDebounced(d, 300);
  const valid = usernameRule.safeParse(debouncedU).success && domainRule.safeParse(debouncedD).success;
  const q = useQuery({
    queryKey: keys.accountAvailability(debouncedU, debouncedD, excludeId),
    queryFn: () => api.registrations.accountAvailability(debouncedU, debouncedD, excludeId),
    enabled: valid,
    staleTime: 2_000,
  });
  return toState(u !== debouncedU || d !== debouncedD, valid, q);
}

/** The live-check message under a field; a polite live region so screen readers hear the verdict. */
export function AvailabilityNote({ id, state, subject }: { id: string; state: State; subject: string }) {
  let content: React.ReactNode = null;
  let cls = 'availability';
  if (state.kind === 'checking') {
    content = `Checking whether the ${subject} is free…`;
    cls += ' availability-checking';
  } else if (state.kind === 'error') {
    content = `Could not check the ${subject} right now.`;
    cls += ' availability-checking';
  } else if (state.kind === 'done') {
    if (state.result.available) {
      content = `${capitalize(subject)} ${subject.includes(' and ') ? 'are' : 'is'} free`;
      cls += ' availability-free';
    } else {
      const h = state.result.heldBy;
      cls += ' availability-taken';
      content = h ? (
        <>
          {capitalize(subject)} {subject.includes(' and ') ? 'are' : 'is'} already used by{' '}
          <Link href={`/registrations/${h.registrationId}`}>registration #{h.registrationId}</Link> of provider{' '}
          <Link href={`/providers/${h.ddiProviderId}`}>{h.ddiProviderName}</Link>
        </>
      ) : (
        `${capitalize(subject)} ${subject.includes(' and ') ? 'are' : 'is'} already used by another registration`
      );
    }
  }
  return (
    <p id={id} className={cls} aria-live="polite">
      {content}
    </p>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
