// The engine's public entry for the portal (lib/, app/): what "Test registration", the metrics
// and the settings use. Everything else under registrar/ is internal; the shared words (states,
// causes, transports, roles) are in domain/vocabulary.ts, the other public module. The lint rule
// layers/boundaries (scripts/lint/layers.mjs) holds lib/ and app/ to these two.
export { Engine, type EngineCounters, type EngineOptions, type EngineProbe } from './engine';
export { parseDnsServers, resolverFor } from './dns/servers';
export { DEFAULT_SIP_BIND, parseSipBind } from './transport/sip-bind';
export { parsePublicHosts } from './registration/public-host';
export type { RegistrationStatus, TraceEntry } from './registration/status';
export { LATENCY_BUCKETS_MS } from './transaction/counters';
export type { Logger, LogFields, LogSink } from './util/log';
