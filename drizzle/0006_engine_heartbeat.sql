CREATE TABLE `engine_nodes` (
	`node_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`bind` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`interval_ms` integer NOT NULL,
	`reason` text
);
