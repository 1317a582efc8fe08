CREATE TABLE `ddi_providers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`ddis` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ddi_providers_name_unique` ON `ddi_providers` (`name`);--> statement-breakpoint
CREATE TABLE `registration_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`registration_id` integer NOT NULL,
	`at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `registration_status` (
	`registration_id` integer PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`code` integer,
	`reason` text,
	`at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`requested_expires` integer,
	`granted_expires` integer,
	`expires_at` integer,
	`next_attempt_at` integer,
	`target` text,
	`last_success_at` integer,
	FOREIGN KEY (`registration_id`) REFERENCES `registrations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ddi_provider_id` integer NOT NULL,
	`username` text NOT NULL,
	`domain` text NOT NULL,
	`ddi` text NOT NULL,
	`auth_username` text,
	`password` text,
	`register_server_uri` text,
	`realm` text,
	`expires` integer DEFAULT 3600 NOT NULL,
	`transport` text DEFAULT 'udp' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`ddi_provider_id`) REFERENCES `ddi_providers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_ddi_unique` ON `registrations` (`ddi`);--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_account_unique` ON `registrations` (`username`,`domain`);--> statement-breakpoint
CREATE INDEX `registrations_provider_idx` ON `registrations` (`ddi_provider_id`);