'use client';

import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { UseFormSetError } from 'react-hook-form';
import { ApiError, api, keys } from '@/lib/client/api';
import { setFlash } from '@/lib/client/flash';
import { staleCurrent } from '@/lib/client/stale-diff';
import type { Registration } from '@/lib/client/types';
import type { RegistrationPatch } from '@/lib/registrations/schema';
import { isFormField, type FormField, type FormValues } from './form-values';

/**
 * The save (create, or update of `existing` at a revision): on success the lists refresh and the
 * page goes back with a flash notice; a 409 `stale` hands the server's version to `onStale`;
 * field errors go onto the fields (the first one focused), the rest into the form's alert.
 */
export function useSaveRegistration(o: {
  existing: Registration | null;
  removePassword: boolean;
  returnTo: string | undefined;
  setError: UseFormSetError<FormValues>;
  focusField: (name: FormField) => void;
  onStale: (theirs: Registration) => void;
  /** `about`: the fields a conflict is about (changing one clears the message). */
  setFormError: (message: string | null, about?: readonly FormField[]) => void;
}) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const isEdit = o.existing !== null;
  return useMutation({
    mutationFn: async ({ values, revision }: { values: RegistrationPatch; revision?: number }) => {
      const body: Record<string, unknown> = { ...values };
      if (isEdit && o.removePassword) body.password = null;
      else if (body.password === '' || body.password === undefined || body.password === null) delete body.password;
      if (revision !== undefined) body.revision = revision;
      return o.existing ? api.registrations.update(o.existing.id, body) : api.registrations.create(body);
    },
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.availability }),
      ]);
      queryClient.setQueryData(keys.registration(saved.id), saved);
      setFlash(`Registration #${saved.id} (${saved.username}@${saved.domain}) ${isEdit ? 'saved' : 'created'}.`);
      router.push(o.returnTo ?? '/registrations');
    },
    onError: (err) => {
      const current = staleCurrent<Registration>(err);
      if (current) {
        o.onStale(current);
        o.setFormError(null);
      } else if (err instanceof ApiError) {
        const known = Object.entries(err.fields).filter(([f]) => isFormField(f));
        for (const [field, message] of known) o.setError(field as FormField, { type: 'server', message });
        if (known.length > 0) o.focusField(known[0]![0] as FormField);
        const unknown = Object.entries(err.fields).filter(([f]) => !isFormField(f));
        o.setFormError(
          known.length > 0 && unknown.length === 0
            ? `${err.message} See the highlighted field${known.length > 1 ? 's' : ''}.`
            : [err.message, ...unknown.map(([f, m]) => `${f}: ${m}`)].join(' '),
          err.status === 409 ? known.map(([f]) => f as FormField) : [],
        );
        if (err.status === 409 || err.status === 422) {
          void queryClient.invalidateQueries({ queryKey: keys.availability });
        }
      } else {
        o.setFormError(err instanceof Error ? err.message : 'Saving failed.');
      }
    },
  });
}
