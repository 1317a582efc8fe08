'use client';

import { useMemo } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useFormContext, useWatch } from 'react-hook-form';
import { api, keys } from '@/lib/client/api';
import { registrationGlossary as g } from '@/lib/glossary';
import { AvailabilityNote, type AvailabilityState } from '../Availability';
import { Field } from '../Field';
import type { FormValues } from './form-values';

const SUGGESTION_BUTTONS = 6;

/**
 * The DDI with its helpers: the live availability check (`ddiState`, kept by the form, whose
 * submit it stops), "Generate a unique value", and the chosen provider's DDIs as suggestions (free
 * ones first, used ones struck through) and as the input's datalist. `excludeId`: the registration
 * being edited (its own DDI is free for it). A DDI already used marks the input invalid; after the
 * server refused it (409), its message alone is shown, not also the live check's.
 */
export function DdiField({ fid, excludeId, ddiState }: { fid: (name: string) => string; excludeId: number | undefined; ddiState: AvailabilityState }) {
  const {
    register,
    control,
    setValue,
    formState: { errors },
  } = useFormContext<FormValues>();
  const [providerId, ddi] = useWatch({ control, name: ['ddiProviderId', 'ddi'] }) as unknown as [number | undefined, string | undefined];
  const validProviderId = typeof providerId === 'number' && Number.isInteger(providerId) && providerId > 0 ? providerId : undefined;
  const provider = useQuery({
    queryKey: keys.provider(validProviderId ?? 0),
    queryFn: () => api.providers.get(validProviderId!),
    enabled: validProviderId !== undefined,
  });
  const providerDdis = provider.data?.ddis ?? [];
  const ddiUsers = useDdiUsers(providerDdis.length > 0 ? validProviderId : undefined, excludeId);
  const serverError = errors.ddi?.type === 'server';
  const taken = ddiState.kind === 'done' && !ddiState.result.available;
  const chooseDdi = (value: string) => setValue('ddi', value, { shouldDirty: true, shouldValidate: true, shouldTouch: true });
  const suggest = useMutation({
    mutationFn: () => api.registrations.suggestDdi(validProviderId),
    onSuccess: (res) => chooseDdi(res.ddi),
  });

  const datalistId = fid('ddi-options');
  // the provider's DDIs other than the typed one, free ones first (a used one stays offered, marked)
  const others = providerDdis.filter((d) => d !== ddi);
  const unusedSuggestions = [...others.filter((d) => !ddiUsers.has(d)), ...others.filter((d) => ddiUsers.has(d))].slice(0, SUGGESTION_BUTTONS);
  const anyUsedShown = unusedSuggestions.some((d) => ddiUsers.has(d));

  return (
    <Field
      id={fid('ddi')}
      entry={g.ddi}
      error={errors.ddi?.message}
      invalid={taken}
      describedBy={[fid('ddi-check')]}
      after={
        <>
          <AvailabilityNote id={fid('ddi-check')} state={serverError && taken ? { kind: 'idle' } : ddiState} subject="DDI" />
          <div className="ddi-tools">
            <button type="button" className="button button-small" onClick={() => suggest.mutate()} disabled={suggest.isPending}>
              {suggest.isPending ? 'Generating…' : 'Generate a unique value'}
            </button>
            {unusedSuggestions.length > 0 ? (
              <span className="suggestions" role="group" aria-label={`DDIs of ${provider.data?.name ?? 'the provider'}`}>
                <span className="muted">Provider DDIs:</span>
                {unusedSuggestions.map((d) => {
                  const usedBy = ddiUsers.get(d);
                  const note = usedBy !== undefined ? `used by registration #${usedBy}` : undefined;
                  return (
                    <button
                      key={d}
                      type="button"
                      className={usedBy !== undefined ? 'chip chip-used' : 'chip'}
                      data-used-by={usedBy}
                      title={note ? `${d}: ${note}` : undefined}
                      onClick={() => chooseDdi(d)}
                      aria-label={note ? `Use DDI ${d} (${note})` : `Use DDI ${d}`}
                    >
                      {d}
                    </button>
                  );
                })}
                {providerDdis.length > SUGGESTION_BUTTONS + 1 ? (
                  <span className="muted">…and {providerDdis.length - SUGGESTION_BUTTONS} more (type to filter)</span>
                ) : null}
                {anyUsedShown ? (
                  <span className="muted chip-legend" aria-hidden="true">
                    (struck through: already used)
                  </span>
                ) : null}
              </span>
            ) : null}
          </div>
          {suggest.isError ? (
            <p role="alert" className="field-error">
              {suggest.error instanceof Error ? suggest.error.message : 'No value could be generated.'}
            </p>
          ) : null}
        </>
      }
    >
      {(aria) => (
        <>
          <input
            {...aria}
            type="text"
            inputMode="tel"
            autoComplete="off"
            list={providerDdis.length > 0 ? datalistId : undefined}
            placeholder={g.ddi.example}
            {...register('ddi')}
          />
          {providerDdis.length > 0 ? (
            <datalist id={datalistId}>
              {providerDdis.map((d) => (
                <option key={d} value={d} />
              ))}
            </datalist>
          ) : null}
        </>
      )}
    </Field>
  );
}

/**
 * Which DDIs are already held by registrations of the provider: one list query (pages of 500,
 * usually one request) instead of one availability check per DDI. The registration being edited
 * (`excludeId`) does not count: its own DDI is free for it. Maps DDI → registration id.
 */
function useDdiUsers(providerId: number | undefined, excludeId: number | undefined): ReadonlyMap<string, number> {
  const q = useQuery({
    queryKey: [...keys.registrations, 'ddi-users', providerId ?? 0] as const,
    queryFn: async () => {
      const used: [string, number][] = [];
      for (let page = 1; ; page++) {
        const res = await api.registrations.list({ ddiProviderId: providerId, page, pageSize: 500, sort: 'id', order: 'asc' });
        for (const r of res.items) used.push([r.ddi, r.id]);
        if (res.items.length === 0 || page * res.pageSize >= res.total) break;
      }
      return used;
    },
    enabled: providerId !== undefined,
    staleTime: 10_000,
  });
  return useMemo(() => new Map((q.data ?? []).filter(([, id]) => id !== excludeId)), [q.data, excludeId]);
}
