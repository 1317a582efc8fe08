CREATE INDEX `registrations_domain_idx` ON `registrations` (`domain`);--> statement-breakpoint
CREATE INDEX `registrations_updated_at_idx` ON `registrations` (`updated_at`);