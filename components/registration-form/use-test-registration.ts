'use client';

import { useMutation } from '@tanstack/react-query';
import type { UseFormClearErrors, UseFormGetValues, UseFormSetError } from 'react-hook-form';
import { ApiError, api } from '@/lib/client/api';
import type { Registration } from '@/lib/client/types';
import { isFormField, type FormValues } from './form-values';

/**
 * "Test registration": one REGISTER (then Expires: 0) with the values typed so far, without
 * saving; for an edit the saved password is used unless the operator removes it. Field errors
 * from the server go onto the fields.
 */
export function useTestRegistration(o: {
  existing: Registration | null;
  removePassword: boolean;
  getValues: UseFormGetValues<FormValues>;
  clearErrors: UseFormClearErrors<FormValues>;
  setError: UseFormSetError<FormValues>;
}) {
  return useMutation({
    mutationFn: async () => {
      const values = o.getValues();
      const body: Record<string, unknown> = { ...values };
      if (typeof body.ddiProviderId !== 'number' || Number.isNaN(body.ddiProviderId)) delete body.ddiProviderId;
      if (typeof body.expires === 'number' && Number.isNaN(body.expires)) delete body.expires;
      if (o.existing) {
        body.id = o.existing.id;
        if (o.removePassword) body.password = null;
      }
      if (body.password === '' || body.password === undefined) delete body.password;
      return api.registrations.test(body);
    },
    onMutate: () => o.clearErrors(),
    onError: (err) => {
      if (err instanceof ApiError) {
        for (const [field, message] of Object.entries(err.fields)) {
          if (isFormField(field)) o.setError(field, { type: 'server', message });
        }
      }
    },
  });
}
