'use client';

import { useFormContext, useWatch } from 'react-hook-form';
import { transportOptionLabel } from '@/lib/client/format';
import { registrationGlossary as g, registrationNotes, transportHints } from '@/lib/glossary';
import { DEFAULT_TRANSPORT } from '@/lib/registrations/schema';
import { TRANSPORT_SETTINGS } from '@/registrar/domain/vocabulary';
import { Field } from '../Field';
import type { FormValues } from './form-values';

/** The "Advanced" section: authentication user, registrar URI, realm, expiry and transport. */
export function AdvancedSettings({ fid, open, onToggle }: { fid: (name: string) => string; open: boolean; onToggle: (open: boolean) => void }) {
  const {
    register,
    control,
    formState: { errors },
  } = useFormContext<FormValues>();
  const transport = useWatch({ control, name: 'transport' }) ?? DEFAULT_TRANSPORT;
  return (
    <details className="advanced" open={open} onToggle={(e) => onToggle(e.currentTarget.open)}>
      <summary>Advanced</summary>
      <p className="note note-quiet">{registrationNotes.advancedTip}</p>
      <div className="grid-2">
        <Field id={fid('authUsername')} entry={g.authUsername} error={errors.authUsername?.message}>
          {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder="Same as Username" {...register('authUsername')} />}
        </Field>
        <Field id={fid('registerServerUri')} entry={g.registerServerUri} error={errors.registerServerUri?.message}>
          {(aria) => (
            <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.registerServerUri.example} {...register('registerServerUri')} />
          )}
        </Field>
        <Field id={fid('realm')} entry={g.realm} error={errors.realm?.message}>
          {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder="Accept the proposed realm" {...register('realm')} />}
        </Field>
        <Field id={fid('expires')} entry={g.expires} error={errors.expires?.message}>
          {(aria) => <input {...aria} type="number" min={60} max={86400} step={1} inputMode="numeric" {...register('expires', { valueAsNumber: true })} />}
        </Field>
        <Field
          id={fid('transport')}
          entry={g.transport}
          error={errors.transport?.message}
          describedBy={[fid('transport-hint')]}
          after={
            <p id={fid('transport-hint')} className="hint">
              {transportHints[transport]}
            </p>
          }
        >
          {(aria) => (
            <select {...aria} {...register('transport')}>
              {TRANSPORT_SETTINGS.map((t) => (
                <option key={t} value={t}>
                  {transportOptionLabel(t)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
    </details>
  );
}
