// The registration form's values: their fields, defaults (new, or loaded from a registration)
// and which of them live under "Advanced".
import type { FieldPath } from 'react-hook-form';
import type { Registration } from '@/lib/client/types';
import { advancedRegistrationFields } from '@/lib/glossary';
import { DEFAULT_TRANSPORT, type RegistrationInput } from '@/lib/registrations/schema';

export type FormValues = RegistrationInput;
export type FormField = FieldPath<FormValues>;

export const FORM_FIELDS: readonly FormField[] = [
  'ddiProviderId',
  'username',
  'domain',
  'password',
  'ddi',
  'authUsername',
  'registerServerUri',
  'realm',
  'expires',
  'transport',
  'enabled',
];

export function isFormField(name: string): name is FormField {
  return (FORM_FIELDS as readonly string[]).includes(name);
}

export const ADVANCED = new Set<string>(advancedRegistrationFields);
const DEFAULT_EXPIRES = 3600;

export type RegistrationFormProps =
  | { mode: 'create'; initialProviderId?: number; returnTo?: string }
  | { mode: 'edit'; registration: Registration; returnTo?: string };

export function defaultsFor(props: RegistrationFormProps): FormValues {
  if (props.mode === 'edit') {
    const r = props.registration;
    return {
      ddiProviderId: r.ddiProviderId,
      username: r.username,
      domain: r.domain,
      password: '',
      ddi: r.ddi,
      authUsername: r.authUsername ?? '',
      registerServerUri: r.registerServerUri ?? '',
      realm: r.realm ?? '',
      expires: r.expires,
      transport: r.transport,
      enabled: r.enabled,
    };
  }
  return {
    ddiProviderId: props.initialProviderId ?? (undefined as unknown as number),
    username: '',
    domain: '',
    password: '',
    ddi: '',
    authUsername: '',
    registerServerUri: '',
    realm: '',
    expires: DEFAULT_EXPIRES,
    transport: DEFAULT_TRANSPORT,
    enabled: true,
  };
}

export function hasAdvancedValues(v: FormValues): boolean {
  return Boolean(
    v.authUsername || v.registerServerUri || v.realm || (v.expires ?? DEFAULT_EXPIRES) !== DEFAULT_EXPIRES || (v.transport ?? DEFAULT_TRANSPORT) !== DEFAULT_TRANSPORT,
  );
}
