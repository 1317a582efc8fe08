CREATE TABLE `state_samples` (
	`at` integer PRIMARY KEY NOT NULL,
	`total` integer NOT NULL,
	`registered` integer NOT NULL,
	`retrying` integer NOT NULL,
	`rejected` integer NOT NULL,
	`disabled` integer NOT NULL
);
