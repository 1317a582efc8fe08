import { z } from 'zod';
import { DEFAULT_SIP_BIND, parseDnsServers, parsePublicHosts, parseSipBind } from '../registrar';
import { LOG_LEVELS } from './log';
import { forwardToRule } from './registrations/rules';
import { parseDenyList } from './registrations/test-deny';

const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** A setting checked by its parser: the parser's message is the error. */
const parsedBy = (parse: (text: string) => unknown) =>
  z.string().superRefine((v, ctx) => {
    try {
      parse(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/portal.db'),
  /** postgres://user:password@host:port/database: PostgreSQL instead of SQLite at DATABASE_PATH (lib/db/dialect.ts). */
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^postgres(ql)?:\/\//i.test(v), 'must be a postgres:// or postgresql:// URL'),
  REGISTRAR_ENABLED: booleanFlag.default(true),
  /** Comma-separated `address:port`, IPv6 as `[address]:port`, at most one per family (registrar/transport/sip-bind.ts). */
  SIP_BIND: parsedBy(parseSipBind).default(DEFAULT_SIP_BIND),
  /** Host advertised in Via/Contact: at most one IPv4 and one IPv6 address, or one hostname (registrar/registration/public-host.ts). */
  SIP_PUBLIC_HOST: parsedBy(parsePublicHosts).optional(),
  SIP_TLS_CA_FILE: z.string().min(1).optional(),
  SIP_TLS_CERT_FILE: z.string().min(1).optional(),
  SIP_TLS_KEY_FILE: z.string().min(1).optional(),
  SIP_TLS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  REGISTRAR_STARTUP_SPREAD_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  REGISTRAR_SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Binding audit interval (s): each registered binding is verified this often; 0 turns it off. */
  REGISTRAR_BINDING_CHECK_S: z.coerce.number().int().min(0).max(300).default(60),
  /** Address ranges "Test registration" may not send to: comma-separated CIDR blocks or addresses. */
  TEST_REGISTRATION_DENY: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseDenyList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
  /** DNS servers for the engine's RFC 3263 lookups: comma-separated `ip`, `ip:port` or `[v6]:port`; default the system resolver. */
  SIP_DNS_SERVERS: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        if (parseDnsServers(v).length === 0 && v && v.trim() !== '') throw new Error('no server given');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
  /**
   * Where calls to our DDIs are relayed: the operator's PBX or SBC as a sip:/sips: URI (name or IP
   * literal, optional :port and ;transport=). A DDI provider's "Forward to" overrides it for its
   * registrations' DDIs. Unset and none on the provider: INVITEs get 480.
   */
  SIP_FORWARD_TO: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), forwardToRule.optional()),
  REGISTRAR_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /**
   * Lease of an engine node on the registrations it registers (registrar/cluster/): renewed every
   * third of it; a node silent this long loses them to the other nodes (see README "High availability").
   */
  REGISTRAR_LEASE_S: z.coerce.number().int().min(2).max(300).default(15),
  SECRET_KEY: z.string().min(1).optional(),
  SECRET_KEY_PREVIOUS: z.string().min(1).optional(),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  LOGIN_SLOW_AFTER: z.coerce.number().int().min(1).max(1000).default(3),
  LOGIN_LOCK_AFTER: z.coerce.number().int().min(1).max(1000).default(10),
  TRUST_PROXY: z.string().optional(),
  /** Extra Host names the portal answers to, comma-separated `host` or `host:port` (lib/server/allowed-hosts.ts). */
  ALLOWED_HOSTS: z
    .string()
    .optional()
    .refine((v) => !v || v.split(',').every((h) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/.test(h.trim()) || h.trim() === ''), 'must be comma-separated host or host:port, e.g. portal.example.com,10.0.0.5:3000'),
  /** Who may read /metrics: `admin` sessions or tokens (default), `token` any API token, `viewer` any signed-in role. */
  METRICS_ACCESS: z.enum(['admin', 'token', 'viewer']).default('admin'),
  /** Live streams (/api/events) open at once per session or API token. */
  MAX_STREAMS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(1000).default(10),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Run the alert evaluator and deliverer in this portal process (lib/alerts/runner.ts). */
  ALERTS_ENABLED: booleanFlag.default(true),
  /** Seconds a registration must stay out of `registered` before it raises an alert (a provider's own hold overrides it). */
  ALERTS_HOLD_S: z.coerce.number().int().min(0).max(86_400).default(120),
  /** How often the alert rules are evaluated (ms). */
  ALERTS_EVAL_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5_000),
  /** Share (%) of a provider's (or all) enabled registrations failing above which one grouped alert is raised instead of one per registration. */
  ALERTS_GROUP_PERCENT: z.coerce.number().min(0).max(100).default(20),
  /** Least severe level logged (lib/log.ts); `silent` logs nothing. */
  LOG_LEVEL: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v), z.enum(LOG_LEVELS).default('info')),
}).superRefine((v, ctx) => {
  // The TLS listener needs a certificate and its key: one without the other is a mistake.
  if (v.SIP_TLS_CERT_FILE && !v.SIP_TLS_KEY_FILE) ctx.addIssue({ code: 'custom', path: ['SIP_TLS_KEY_FILE'], message: 'required with SIP_TLS_CERT_FILE' });
  if (v.SIP_TLS_KEY_FILE && !v.SIP_TLS_CERT_FILE) ctx.addIssue({ code: 'custom', path: ['SIP_TLS_CERT_FILE'], message: 'required with SIP_TLS_KEY_FILE' });
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Parses process.env once; a bad value stops start-up with a message naming the variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  cached = parsed.data;
  return cached;
}
