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
--> statement-breakpoint
-- Who may call the API: authentication's caches (src/modules/auth/auth.service.ts). Agents change
-- rarely: any write notifies. An API key's last_used_at is written once a minute while it is in
-- use, which must not empty every instance's cache: updates notify only when a column that
-- authentication reads changed.
CREATE TRIGGER "agents_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "agents" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_auth');
--> statement-breakpoint
CREATE TRIGGER "api_keys_notify" AFTER DELETE OR TRUNCATE ON "api_keys" FOR EACH STATEMENT EXECUTE FUNCTION "deskledger_notify"('deskledger_auth');
--> statement-breakpoint
CREATE TRIGGER "api_keys_notify_access" AFTER UPDATE ON "api_keys" FOR EACH ROW WHEN (
  OLD."revoked_at" IS DISTINCT FROM NEW."revoked_at" OR OLD."expires_at" IS DISTINCT FROM NEW."expires_at"
  OR OLD."scopes" IS DISTINCT FROM NEW."scopes" OR OLD."key_hash" IS DISTINCT FROM NEW."key_hash"
  OR OLD."prefix" IS DISTINCT FROM NEW."prefix" OR OLD."name" IS DISTINCT FROM NEW."name"
) EXECUTE FUNCTION "deskledger_notify"('deskledger_auth');
