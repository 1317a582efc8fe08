ALTER TABLE `ddi_providers` ADD `forward_to` text;--> statement-breakpoint
ALTER TABLE `engine_nodes` ADD `calls_relayed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `engine_nodes` ADD `calls_refused` integer DEFAULT 0 NOT NULL;