'use client';

import { useFormContext, useWatch } from 'react-hook-form';
import type { Registration } from '@/lib/client/types';
import { registrationGlossary as g } from '@/lib/glossary';
import { scopeChanges } from '@/lib/registrations/password-scope';
import { Field } from '../Field';
import type { FormValues } from './form-values';

/**
 * The password: empty keeps a saved one (or "Remove saved password" clears it). A saved password
 * only goes to its own registrar (lib/registrations/password-scope.ts): when the domain, registrar
 * URI or realm change, the hint asks for it again before the server refuses a save or a test.
 */
export function PasswordField({
  fid,
  existing,
  removePassword,
  onRemovePasswordChange,
}: {
  fid: (name: string) => string;
  existing: Registration | null;
  removePassword: boolean;
  onRemovePasswordChange: (remove: boolean) => void;
}) {
  const {
    register,
    control,
    setValue,
    formState: { errors },
  } = useFormContext<FormValues>();
  const [typedPassword, domain, registerServerUri, realm] = useWatch({ control, name: ['password', 'domain', 'registerServerUri', 'realm'] }) as unknown as Array<
    string | null | undefined
  >;
  const saved = existing?.hasPassword ? existing : null;
  const rescoped =
    saved && !removePassword && !typedPassword
      ? scopeChanges(saved, { domain: domain ?? '', registerServerUri: registerServerUri ?? '', realm: realm ?? '' }).length > 0
      : false;
  return (
    <Field
      id={fid('password')}
      entry={g.password}
      error={errors.password?.message}
      describedBy={[saved ? fid('password-hint') : null]}
      after={
        saved ? (
          <>
            <p id={fid('password-hint')} className="hint">
              {rescoped
                ? 'Type the password again: you changed the domain, registrar URI or realm, and a saved password is only sent to its own registrar.'
                : 'A password is saved; leave empty to keep it'}
            </p>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={removePassword}
                onChange={(e) => {
                  onRemovePasswordChange(e.target.checked);
                  if (e.target.checked) setValue('password', '');
                }}
              />
              Remove saved password
            </label>
          </>
        ) : null
      }
    >
      {(aria) => (
        <input
          {...aria}
          type="password"
          autoComplete="new-password"
          disabled={removePassword}
          placeholder={saved ? '•••••• (saved)' : undefined}
          {...register('password')}
        />
      )}
    </Field>
  );
}
