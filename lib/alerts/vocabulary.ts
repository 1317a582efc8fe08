// The words of alerts and notification channels, without imports: the tables (lib/db/schema.ts),
// the schemas the browser's forms parse with and the API contracts share them.
export const notificationChannelKinds = ['webhook', 'email'] as const;
export const alertScopes = ['registration', 'provider', 'platform'] as const;
export const alertStates = ['open', 'resolved'] as const;
export const deliveryEvents = ['opened', 'resolved', 'test'] as const;
export const deliveryStatuses = ['pending', 'sending', 'sent', 'failed'] as const;
