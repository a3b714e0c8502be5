-- Per-process caches are kept exact by these notifications (src/db/change-feed.ts): a statement that
-- writes one of the tables below notifies its channel when it commits, whoever runs it (another
-- instance, a migration, psql). Statement-level, so a bulk import notifies once per statement.
CREATE FUNCTION "deskledger_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Who may open a ticket: the intake gate's cache (src/modules/contracts/intake-gate.ts).
CREATE TRIGGER "contacts_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contacts" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_directory');
--> statement-breakpoint
CREATE TRIGGER "contact_emails_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contact_emails" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_directory');
--> statement-breakpoint
CREATE TRIGGER "organizations_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "organizations" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_directory');
--> statement-breakpoint
CREATE TRIGGER "contracts_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contracts" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_directory');
--> statement-breakpoint
-- Ticket configuration: the configuration cache (src/lib/config-cache.ts).
CREATE TRIGGER "sla_policies_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "sla_policies" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_config');
--> statement-breakpoint
CREATE TRIGGER "business_calendars_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "business_calendars" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_config');
--> statement-breakpoint
CREATE TRIGGER "queues_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "queues" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_config');
--> statement-breakpoint
CREATE TRIGGER "ticket_states_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ticket_states" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_config');
--> statement-breakpoint
CREATE TRIGGER "ticket_types_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ticket_types" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_config');
