// Reads registrations from the portal database and turns rows into engine configs, opening
// the sealed SIP passwords (lib/secrets) on the way; each carries its DDI provider's forward target.
import type Database from 'better-sqlite3';
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
  enabled: number;
  /** The DDI provider's forward target (null: SIP_FORWARD_TO). */
  forward_to: string | null;
}

const SELECT = `SELECT r.id, r.username, r.domain, r.ddi, r.auth_username, r.password, r.register_server_uri, r.realm,
  r.expires, r.transport, r.enabled, p.forward_to
  FROM registrations r JOIN ddi_providers p ON p.id = r.ddi_provider_id`;

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
    enabled: row.enabled === 1,
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
  private readonly all: Database.Statement<[], RegistrationRow>;
  private readonly one: Database.Statement<[number], RegistrationRow>;
  private readonly log: Logger;
  /** Registrations whose unreadable password was already reported. */
  private readonly reported = new Set<number>();

  constructor(sqlite: Database.Database, private readonly options: RegistrationSourceOptions) {
    this.all = sqlite.prepare(`${SELECT} ORDER BY r.id`);
    this.one = sqlite.prepare(`${SELECT} WHERE r.id = ?`);
    this.log = toLogger(options.log ?? enginePort());
  }

  loadAll(): RegistrationConfig[] {
    return this.all.all().map((row) => toConfig(row, this.password(row)));
  }

  /** The registration's config, or null when it was deleted. */
  load(id: number): RegistrationConfig | null {
    const row = this.one.get(id);
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
