// Reads registrations from the portal database and turns rows into engine configs.
import type Database from 'better-sqlite3';
import type { RegistrationConfig } from '../registration/config';

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
  transport: 'udp' | 'tcp' | 'tls';
  enabled: number;
}

const COLUMNS =
  'id, username, domain, ddi, auth_username, password, register_server_uri, realm, expires, transport, enabled';

export function toConfig(row: RegistrationRow): RegistrationConfig {
  return {
    id: String(row.id),
    username: row.username,
    domain: row.domain,
    ddi: row.ddi,
    authUsername: row.auth_username,
    password: row.password,
    registerServerUri: row.register_server_uri,
    realm: row.realm,
    expires: row.expires,
    transport: row.transport,
    enabled: row.enabled === 1,
  };
}

export class RegistrationSource {
  private readonly all: Database.Statement<[], RegistrationRow>;
  private readonly one: Database.Statement<[number], RegistrationRow>;

  constructor(sqlite: Database.Database) {
    this.all = sqlite.prepare(`SELECT ${COLUMNS} FROM registrations ORDER BY id`);
    this.one = sqlite.prepare(`SELECT ${COLUMNS} FROM registrations WHERE id = ?`);
  }

  loadAll(): RegistrationConfig[] {
    return this.all.all().map(toConfig);
  }

  /** The registration's config, or null when it was deleted. */
  load(id: number): RegistrationConfig | null {
    const row = this.one.get(id);
    return row ? toConfig(row) : null;
  }
}
