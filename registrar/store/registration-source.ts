// Reads registrations from the portal database and turns rows into engine configs, opening
// the sealed SIP passwords (lib/secrets) on the way; each carries its DDI provider's forward target.
import { asc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '../../lib/db/conn';
import { ddiProviders as p, registrations as r } from '../../lib/db/schema';
import { isSealed, openSecret } from '../../lib/secrets/cipher';
import { isSecretError } from '../../lib/secrets/errors';
import type { Keyring } from '../../lib/secrets/key';
import { enginePort } from '../../lib/log';
import type { RegistrationConfig } from '../registration/config';
import type { TransportSetting } from '../transport/types';
import { toLogger, type Logger, type LogSink } from '../util/log';

interface RegistrationRow {
  id: number;
  username: string;
  domain: string;
  ddi: string;
  auth_username: string | null;
  password: string | null;
  register_server_uri: string | null;
  realm: string | null;
  expires: number;
  transport: TransportSetting;
  enabled: boolean;
  /** The DDI provider's forward target (null: SIP_FORWARD_TO). */
  forward_to: string | null;
}

const columns = {
  id: r.id,
  username: r.username,
  domain: r.domain,
  ddi: r.ddi,
  auth_username: r.authUsername,
  password: r.password,
  register_server_uri: r.registerServerUri,
  realm: r.realm,
  expires: r.expires,
  transport: r.transport,
  enabled: r.enabled,
  forward_to: p.forwardTo,
};

/** The engine config of a row, with its password already opened (null: none usable). */
export function toConfig(row: RegistrationRow, password: string | null): RegistrationConfig {
  return {
    id: String(row.id),
    username: row.username,
    domain: row.domain,
    ddi: row.ddi,
    authUsername: row.auth_username,
    password,
    registerServerUri: row.register_server_uri,
    realm: row.realm,
    expires: row.expires,
    transport: row.transport,
    enabled: row.enabled,
    forwardTo: row.forward_to,
  };
}

export interface RegistrationSourceOptions {
  /** Opens sealed passwords. */
  keyring: Keyring;
  /** Where unreadable passwords are reported (once per registration). Default: the portal's logger. */
  log?: LogSink;
}

export class RegistrationSource {
  private readonly log: Logger;
  /** Registrations whose unreadable password was already reported. */
  private readonly reported = new Set<number>();

  constructor(
    private readonly db: Conn,
    private readonly options: RegistrationSourceOptions,
  ) {
    this.log = toLogger(options.log ?? enginePort());
  }

  private select() {
    return this.db.select(columns).from(r).innerJoin(p, eq(p.id, r.ddiProviderId));
  }

  async loadAll(): Promise<RegistrationConfig[]> {
    return (await this.select().orderBy(asc(r.id))).map((row) => toConfig(row, this.password(row)));
  }

  /** The configs of these registrations (those that exist), in id order. */
  async loadMany(ids: readonly number[]): Promise<RegistrationConfig[]> {
    const out: RegistrationConfig[] = [];
    const sorted = [...ids].sort((a, b) => a - b);
    // In chunks: PostgreSQL takes at most 65,535 parameters, SQLite 32,766.
    for (let i = 0; i < sorted.length; i += 5000) {
      const chunk = sorted.slice(i, i + 5000);
      for (const row of await this.select().where(inArray(r.id, chunk)).orderBy(asc(r.id))) out.push(toConfig(row, this.password(row)));
    }
    return out;
  }

  /** The registration's config, or null when it was deleted. */
  async load(id: number): Promise<RegistrationConfig | null> {
    const [row] = await this.select().where(eq(r.id, id));
    return row ? toConfig(row, this.password(row)) : null;
  }

  /**
   * The row's clear-text password. One that cannot be opened (its key is not configured, or
   * the value is corrupt) must not stop the engine: the registration runs without credentials
   * (a challenge then ends in `rejected`, reason `no-credentials`) and the cause is logged once,
   * with the registration id and error code, never the value.
   */
  private password(row: RegistrationRow): string | null {
    if (row.password === null || !isSealed(row.password)) return row.password;
    try {
      const plain = openSecret(row.password, this.options.keyring);
      this.reported.delete(row.id);
      return plain;
    } catch (err) {
      if (!isSecretError(err)) throw err;
      if (!this.reported.has(row.id)) {
        this.reported.add(row.id);
        this.log.error(`registrar: registration ${row.id}: stored password unreadable (${err.code}); registering without credentials until the password is entered again or its key is configured`);
      }
      return null;
    }
  }
}
