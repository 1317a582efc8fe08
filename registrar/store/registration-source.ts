// Reads registrations from the portal database and turns rows into engine configs; each carries
// its DDI provider's forward target. A sealed SIP password (lib/secrets) is opened when the engine
// first reads it (at the first digest challenge), not at load: one AES-GCM decipher per row was
// ≈ 0.2 s of blocked event loop before the first REGISTER at 10,000 registrations (issue 12).
// The whole table is read in pages (`pages`), a short query each, so a large table never blocks
// the event loop in one piece and the engine can start the first page's registrations at once.
import { and, asc, count, eq, gt, sql, type SQL } from 'drizzle-orm';
import { rows, type Conn } from '../../lib/db/conn';
import { ddiProviders as p, registrations as r } from '../../lib/db/schema';
import { isSealed, openSecret } from '../../lib/secrets/cipher';
import { isSecretError } from '../../lib/secrets/errors';
import type { Keyring } from '../../lib/secrets/key';
import { enginePort } from '../../lib/log';
import type { RegistrationConfig } from '../registration/config';
import type { TransportSetting } from '../transport/types';
import { toLogger, type Logger, type LogSink } from '../util/log';

/** A row as the database gives it (`enabled`: SQLite's 0/1 or PostgreSQL's boolean). */
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
  enabled: boolean | number;
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

/** Rows per query when the whole table is read (≈ 1–2 ms of SQLite and mapping each). */
export const PAGE_ROWS = 500;

/** `columns` as SQL, for the raw reads of loadMany. */
const COLUMNS_SQL = sql.raw(
  'r.id, r.username, r.domain, r.ddi, r.auth_username, r.password, r.register_server_uri, r.realm, r.expires, r.transport, r.enabled, p.forward_to',
);

/** Ids a chunk of loadMany reads as one range; a sparser one is read by its list of ids. */
const RANGE_SPREAD = 4;

/**
 * The engine config of a row. Its `password` is opened at the first read and kept (the stored
 * value is then dropped); `open` gives the clear text or null (none usable). A getter on the
 * prototype: an object spread of the config (`{ ...config }`) does not carry the password.
 */
export class StoredConfig implements RegistrationConfig {
  readonly id: string;
  readonly username: string;
  readonly domain: string;
  readonly ddi: string;
  readonly authUsername: string | null;
  readonly registerServerUri: string | null;
  readonly realm: string | null;
  readonly expires: number;
  readonly transport: TransportSetting;
  readonly enabled: boolean;
  readonly forwardTo: string | null;
  /** The stored (sealed or legacy clear) value until the first read. */
  #stored: string | null;
  #plain: string | null = null;
  readonly #open: (id: number, stored: string) => string | null;

  constructor(row: RegistrationRow, open: (id: number, stored: string) => string | null) {
    this.#open = open;
    this.id = String(row.id);
    this.username = row.username;
    this.domain = row.domain;
    this.ddi = row.ddi;
    this.authUsername = row.auth_username;
    this.registerServerUri = row.register_server_uri;
    this.realm = row.realm;
    this.expires = row.expires;
    this.transport = row.transport;
    this.enabled = Boolean(row.enabled);
    this.forwardTo = row.forward_to;
    this.#stored = row.password;
  }

  get password(): string | null {
    const stored = this.#stored;
    if (stored !== null) {
      this.#plain = this.#open(Number(this.id), stored);
      this.#stored = null;
    }
    return this.#plain;
  }
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

  private readonly opener = (id: number, stored: string): string | null => this.password(id, stored);

  /**
   * Every registration (or those matching `where`, a condition on the registrations and
   * ddi_providers tables) in id order, `pageSize` rows per query (keyset: id > the last one).
   * A registration changed while the pages are read is in the change journal (ChangeFeed.markLoaded
   * comes first) and is read again by the next sync.
   */
  async *pages(options: { pageSize?: number; where?: SQL } = {}): AsyncGenerator<RegistrationConfig[]> {
    const pageSize = options.pageSize ?? PAGE_ROWS;
    for (let after = 0; ; ) {
      const rows = await this.select()
        .where(options.where ? and(gt(r.id, after), options.where) : gt(r.id, after))
        .orderBy(asc(r.id))
        .limit(pageSize);
      if (rows.length > 0) yield rows.map((row) => new StoredConfig(row, this.opener));
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  /** How many registrations there are (matching `where`, as in `pages`). */
  async count(where?: SQL): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(r).innerJoin(p, eq(p.id, r.ddiProviderId)).where(where);
    return Number(row?.n ?? 0);
  }

  /** Every registration, in id order (read page by page). */
  async loadAll(): Promise<RegistrationConfig[]> {
    const all: RegistrationConfig[] = [];
    for await (const page of this.pages()) for (const c of page) all.push(c);
    return all;
  }

  /**
   * The configs of these registrations (those that exist), in id order. In raw SQL, not the query
   * builder: the start-up reads every claimed registration through here, and drizzle's query
   * building (an IN list of 500 parameters) and row mapping were 60–190 ms of CPU at 10,000,
   * against ≈ 30 for the same rows read raw (issue 12). A chunk of ids close together is read as
   * the range between its first and last id (the claimed leases of a node mostly are), the rows
   * of other registrations in it left out; a sparse one by its list.
   */
  async loadMany(ids: readonly number[]): Promise<RegistrationConfig[]> {
    const out: RegistrationConfig[] = [];
    const sorted = [...ids].sort((a, b) => a - b);
    // In chunks: PostgreSQL takes at most 65,535 parameters, SQLite 32,766.
    for (let i = 0; i < sorted.length; i += 5000) {
      const chunk = sorted.slice(i, i + 5000);
      const first = chunk[0];
      const last = chunk[chunk.length - 1];
      const dense = last - first + 1 <= RANGE_SPREAD * chunk.length;
      const where = dense
        ? sql`r.id between ${first} and ${last}`
        : sql`r.id in (${sql.join(chunk.map((id) => sql`${id}`), sql`, `)})`;
      const found = await rows<RegistrationRow>(
        this.db,
        sql`select ${COLUMNS_SQL} from registrations r join ddi_providers p on p.id = r.ddi_provider_id where ${where} order by r.id`,
      );
      const wanted = dense ? new Set(chunk) : null;
      for (const row of found) {
        if (wanted && !wanted.has(Number(row.id))) continue;
        out.push(new StoredConfig(row, this.opener));
      }
    }
    return out;
  }

  /** The registration's config, or null when it was deleted. */
  async load(id: number): Promise<RegistrationConfig | null> {
    const [row] = await this.select().where(eq(r.id, id));
    return row ? new StoredConfig(row, this.opener) : null;
  }

  /**
   * The row's clear-text password. One that cannot be opened (its key is not configured, or
   * the value is corrupt) must not stop the engine: the registration runs without credentials
   * (a challenge then ends in `rejected`, reason `no-credentials`) and the cause is logged once,
   * with the registration id and error code, never the value.
   */
  private password(id: number, stored: string): string | null {
    if (!isSealed(stored)) return stored;
    try {
      const plain = openSecret(stored, this.options.keyring);
      this.reported.delete(id);
      return plain;
    } catch (err) {
      if (!isSecretError(err)) throw err;
      if (!this.reported.has(id)) {
        this.reported.add(id);
        this.log.error(`registrar: registration ${id}: stored password unreadable (${err.code}); registering without credentials until the password is entered again or its key is configured`);
      }
      return null;
    }
  }
}
