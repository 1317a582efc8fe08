// The tables of the database this process uses (dialect.ts): SQLite's (schema-sqlite.ts) or
// PostgreSQL's (schema-pg.ts), which tests/unit/db/schema-parity.test.ts keeps identical. Both are
// typed as the SQLite ones: the code is written once, against drizzle's common query builder.
import { dialectName } from './dialect';
import * as pg from './schema-pg';
import * as lite from './schema-sqlite';

const pick = <T>(sqlite: T, postgres: unknown): T => (dialectName === 'pg' ? (postgres as T) : sqlite);

export const ddiProviders = pick(lite.ddiProviders, pg.ddiProviders);
export const registrations = pick(lite.registrations, pg.registrations);
export const registrationStatus = pick(lite.registrationStatus, pg.registrationStatus);
export const registrationChanges = pick(lite.registrationChanges, pg.registrationChanges);
export const registrationEvents = pick(lite.registrationEvents, pg.registrationEvents);
export const registrationTraces = pick(lite.registrationTraces, pg.registrationTraces);
export const operators = pick(lite.operators, pg.operators);
export const sessions = pick(lite.sessions, pg.sessions);
export const apiTokens = pick(lite.apiTokens, pg.apiTokens);
export const loginFailures = pick(lite.loginFailures, pg.loginFailures);
export const auditLog = pick(lite.auditLog, pg.auditLog);
export const engineNodes = pick(lite.engineNodes, pg.engineNodes);
export const notificationChannels = pick(lite.notificationChannels, pg.notificationChannels);
export const alerts = pick(lite.alerts, pg.alerts);
export const notificationDeliveries = pick(lite.notificationDeliveries, pg.notificationDeliveries);
export const stateSamples = pick(lite.stateSamples, pg.stateSamples);
export const testRegistrations = pick(lite.testRegistrations, pg.testRegistrations);
export const registrationLeases = pick(lite.registrationLeases, pg.registrationLeases);

export { registrationCommands, auditEntityTypes, engineNodeStates, alertScopes, alertStates, deliveryEvents, deliveryStatuses, notificationChannelKinds } from './schema-sqlite';
export type { RegistrationCommand, DdiProviderRow, RegistrationRow, RegistrationStatusRow, RegistrationEventRow, RegistrationTraceRow, AuditEntityType, AuditChanges, OperatorRow, AuditLogRow, EngineNodeState, EngineNodeRow, NotificationChannelKind, NotificationChannelRow, AlertScope, AlertState, AlertRow, DeliveryEvent, DeliveryStatus, NotificationDeliveryRow, StateSampleRow, RegistrationLeaseRow } from './schema-sqlite';
