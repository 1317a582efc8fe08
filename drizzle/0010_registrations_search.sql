-- Substring search of the registrations list (`q`) at 100,000 rows: an FTS5 trigram index over
-- username, domain and DDI (external content: the registrations table), kept in step by triggers.
-- A rare substring is found from the index instead of a LIKE scan of every row; a common one
-- still uses LIKE (lib/registrations/search.ts decides from a capped count of index matches).
CREATE VIRTUAL TABLE `registrations_search` USING fts5(username, domain, ddi, content='registrations', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `registrations_search`(`registrations_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `registrations_search_ai` AFTER INSERT ON `registrations` BEGIN
  INSERT INTO `registrations_search`(rowid, username, domain, ddi) VALUES (new.id, new.username, new.domain, new.ddi);
END;
--> statement-breakpoint
CREATE TRIGGER `registrations_search_ad` AFTER DELETE ON `registrations` BEGIN
  INSERT INTO `registrations_search`(`registrations_search`, rowid, username, domain, ddi) VALUES ('delete', old.id, old.username, old.domain, old.ddi);
END;
--> statement-breakpoint
CREATE TRIGGER `registrations_search_au` AFTER UPDATE OF username, domain, ddi ON `registrations` BEGIN
  INSERT INTO `registrations_search`(`registrations_search`, rowid, username, domain, ddi) VALUES ('delete', old.id, old.username, old.domain, old.ddi);
  INSERT INTO `registrations_search`(rowid, username, domain, ddi) VALUES (new.id, new.username, new.domain, new.ddi);
END;
