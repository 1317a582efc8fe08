/**
 * The one source of field labels and help texts. The registration form, the OpenAPI document
 * and the /help page all read from here. Written in our own words after the IvozProvider
 * "DDI Provider Registrations" glossary.
 */
import type { RegistrationState } from '../registrar/domain/vocabulary';

export type GlossaryEntry = {
  label: string;
  help: string;
  example?: string;
};

export const registrationGlossary = {
  ddiProviderId: {
    label: 'DDI provider',
    help: 'The DDI provider (carrier) this registration belongs to. Its DDIs are offered as suggestions for the DDI field.',
  },
  username: {
    label: 'Username',
    help: 'The account number, or similar identifier, that the provider gave you for the account that must register.',
    example: '883200145',
  },
  domain: {
    label: 'Domain',
    help: "Domain name or IP address of the provider's registrar server. It is usually the same as the SIP proxy of the provider's peer server.",
    example: 'sip.provider.example',
  },
  password: {
    label: 'Password',
    help: 'Password the provider gave you for this account. Leave empty if the provider needs none. It is stored but never shown again; when editing, leave it empty to keep the saved one.',
  },
  ddi: {
    label: 'DDI',
    help: 'Sent as the user of the SIP Contact header, so it must be unique in the whole platform. If the provider has one DDI associated, enter that DDI; if it has several, enter any one of them; if it has none, enter any numeric value that no other registration uses.',
    example: '+34911223344',
  },
  authUsername: {
    label: 'User',
    help: 'Authentication user. Most of the time it is the same as Username, so leave it empty (empty means "same as Username").',
  },
  registerServerUri: {
    label: 'Register server URI',
    help: "Usually empty: it is obtained from Domain. Only when the registrar is somewhere else, enter its address with the 'sip:' prefix.",
    example: 'sip:192.0.2.10:5060',
  },
  realm: {
    label: 'Realm',
    help: 'Leave empty to accept the authentication realm the provider proposes. Set it only if you know the SIP digest authentication this provider uses: then only challenges for that realm are answered.',
  },
  expires: {
    label: 'Expire',
    help: 'Default suggested register expire time, in seconds (60 to 86400). The provider may grant a shorter one; we refresh before it runs out.',
    example: '3600',
  },
  transport: {
    label: 'Transport',
    help: "How REGISTER requests travel to the provider. Auto, the default for new registrations, lets the provider's DNS decide (RFC 3263): its NAPTR records choose UDP, TCP or TLS; without them its SRV records do (TLS, then TCP, then UDP, whichever it publishes); without either, UDP. An IP address or a port in the Register server URI means UDP (TLS for sips:), and a ;transport= parameter there always wins. The status shows what was chosen (for example auto → TCP). Or fix it: UDP (most providers), TCP, or TLS (certificates are verified).",
  },
  enabled: {
    label: 'Enabled',
    help: 'When off, the registration is kept but not registered (an existing binding is removed with Expires: 0).',
  },
} as const satisfies Record<string, GlossaryEntry>;

export type RegistrationField = keyof typeof registrationGlossary;

/** Shown under the Transport select, for the value chosen. */
export const transportHints = {
  auto: "DNS decides: the provider's NAPTR or SRV records choose UDP, TCP or TLS; without any, UDP.",
  udp: 'Always UDP, whatever DNS publishes.',
  tcp: 'Always TCP, whatever DNS publishes.',
  tls: 'Always TLS (the certificate is verified), whatever DNS publishes.',
} as const;

export const ddiProviderGlossary = {
  name: { label: 'Name', help: 'A name for this DDI provider (carrier), unique in the platform.' },
  description: { label: 'Description', help: 'Free text for operators: contract, contact, notes.' },
  ddis: {
    label: 'DDIs',
    help: 'Numbers this provider delivers to us. They are offered as suggestions for the DDI of its registrations.',
  },
  forwardTo: {
    label: 'Forward to',
    help: "Where calls that this provider sends to the DDIs of its registrations are passed on: the SIP address of your PBX or SBC, with the 'sip:' prefix and no user part (the called DDI is put there). Leave empty to use the engine's SIP_FORWARD_TO setting; when both are empty, calls are refused.",
    example: 'sip:192.0.2.20:5060;transport=tcp',
  },
  alertHoldS: {
    label: 'Alert after (seconds)',
    help: "How long a registration of this provider may stay out of 'registered' (retrying, rejected, binding lost…) before it raises an alert; shorter failures alert nobody. Leave empty to use the portal's ALERTS_HOLD_S setting (120 s by default).",
    example: '300',
  },
} as const satisfies Record<string, GlossaryEntry>;

export const registrationNotes = {
  peering:
    'Peer-to-peer peering is recommended whenever the provider supports it: no authentication and no registration, calls validated by IP. It avoids the traffic of periodic registers and per-call authentication, and most fields can stay at their defaults.',
  advancedTip:
    'Most providers do not require registration at all, and those that do usually only need user, domain and password. The fields below are rarely needed.',
} as const;

export const basicRegistrationFields = ['username', 'domain', 'password', 'ddi'] as const satisfies readonly RegistrationField[];
export const advancedRegistrationFields = [
  'authUsername',
  'registerServerUri',
  'realm',
  'expires',
  'transport',
] as const satisfies readonly RegistrationField[];

/** What each registration state means (the badge on the dashboard and the registration page; /help lists them). */
export const stateGlossary: Record<RegistrationState, string> = {
  disabled: 'Switched off: nothing is sent to the provider until the registration is enabled again.',
  pending: 'Enabled and waiting for its first REGISTER (the engine spreads them out at start).',
  registering: 'A REGISTER is on its way and its answer not in yet.',
  registered: 'The provider accepted the registration; it is refreshed before it expires.',
  retrying: 'The last attempt failed without a final refusal (no answer, a connection or provider error): it is tried again after a growing pause.',
  rejected: 'The provider refused the registration (a SIP error such as 401 or 403): fix the settings it names, then register again.',
  unregistering: 'The registration is being removed from the provider (REGISTER with Expires: 0).',
  unregistered: 'Removed from the provider on request; nothing more is sent until it is registered again.',
};
