-- Who may open a ticket is decided from contacts, their e-mail addresses, organizations and
-- contracts; instances cache those rows per process (src/modules/contracts/intake-gate.ts) and
-- drop them when this channel speaks (src/db/change-feed.ts). Statement-level triggers, so a bulk
-- import notifies once per statement, and any writer counts: another instance, a migration, psql.
CREATE FUNCTION "deskledger_notify_directory"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('deskledger_directory', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "contacts_notify_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contacts" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify_directory"();
--> statement-breakpoint
CREATE TRIGGER "contact_emails_notify_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contact_emails" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify_directory"();
--> statement-breakpoint
CREATE TRIGGER "organizations_notify_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "organizations" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify_directory"();
--> statement-breakpoint
CREATE TRIGGER "contracts_notify_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contracts" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify_directory"();
