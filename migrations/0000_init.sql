CREATE SEQUENCE "public"."tickets_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"password_hash" text,
	"role" text NOT NULL,
	"skills" text[] DEFAULT '{}'::text[] NOT NULL,
	"locale" text,
	"time_zone" text,
	"active" boolean DEFAULT true NOT NULL,
	"token_version" integer DEFAULT 1 NOT NULL,
	"password_changed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agents_role_check" CHECK ("agents"."role" in ('admin', 'manager', 'agent'))
);
--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_members_team_id_agent_id_pk" PRIMARY KEY("team_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"email" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" uuid,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_prefix_unique" UNIQUE("prefix")
);
--> statement-breakpoint
CREATE TABLE "login_attempts" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"agent_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contact_emails" (
	"email" text NOT NULL,
	"contact_id" uuid NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"undeliverable_at" timestamp with time zone,
	"undeliverable_reason" text,
	CONSTRAINT "contact_emails_email_pk" PRIMARY KEY("email"),
	CONSTRAINT "contact_emails_lower" CHECK ("contact_emails"."email" = lower("contact_emails"."email"))
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"phones" text[] DEFAULT '{}'::text[] NOT NULL,
	"locale" text,
	"time_zone" text,
	"authorized" boolean DEFAULT false NOT NULL,
	"channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"receives_statements" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_channels_check" CHECK ("contacts"."channels" <@ array['email', 'web', 'api', 'phone', 'chat', 'messenger', 'on-site']::text[])
);
--> statement-breakpoint
CREATE TABLE "equipment" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"site_id" uuid,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"serial_number" text,
	"notes" text,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tax_id" text,
	"email_domains" text[] DEFAULT '{}'::text[] NOT NULL,
	"default_locale" text NOT NULL,
	"time_zone" text NOT NULL,
	"billing_contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"notes" text,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"address" text,
	"city" text,
	"country" text,
	"time_zone" text,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"tick" timestamp with time zone NOT NULL,
	"instance_id" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"taken_over_from" text,
	"started_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text DEFAULT 'running' NOT NULL,
	"caught_up" integer DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"error" text,
	CONSTRAINT "job_runs_outcome_check" CHECK ("job_runs"."outcome" in ('running', 'ok', 'failed')),
	CONSTRAINT "job_runs_finished_check" CHECK (("job_runs"."outcome" = 'running') = ("job_runs"."finished_at" is null))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"principal" text NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer,
	"response_body" text,
	"response_headers" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_principal_key_pk" PRIMARY KEY("principal","key")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedupe_key" text,
	"subject" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_by" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_status_check" CHECK ("outbox"."status" in ('pending', 'sending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"hash" text PRIMARY KEY NOT NULL,
	"size" integer NOT NULL,
	"storage" text NOT NULL,
	"content" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"plan_id" uuid,
	"number" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"minimum_term_months" integer DEFAULT 0 NOT NULL,
	"service_mode" text NOT NULL,
	"currency" char(3) NOT NULL,
	"hourly_rates" jsonb NOT NULL,
	"after_hours_multiplier_percent" integer DEFAULT 150 NOT NULL,
	"billing_increment_minutes" integer DEFAULT 15 NOT NULL,
	"hour_bank_enabled" boolean DEFAULT false NOT NULL,
	"overdraft_policy" text DEFAULT 'refuse' NOT NULL,
	"slots_per_month" integer,
	"slot_carry_over" boolean DEFAULT false NOT NULL,
	"allowed_channels" text[] NOT NULL,
	"sla_policy_id" uuid,
	"responsible_manager_id" uuid,
	"notify_customer_on_sla_breach" boolean DEFAULT false NOT NULL,
	"covers_all_contacts" boolean DEFAULT true NOT NULL,
	"authorized_contact_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"budget_alert_thresholds" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contracts_status_check" CHECK ("contracts"."status" in ('draft', 'active', 'suspended', 'ended')),
	CONSTRAINT "contracts_service_mode_check" CHECK ("contracts"."service_mode" in ('remote', 'on-site', 'both')),
	CONSTRAINT "contracts_overdraft_policy_check" CHECK ("contracts"."overdraft_policy" in ('refuse', 'bill')),
	CONSTRAINT "contracts_term_check" CHECK ("contracts"."ends_on" is null or "contracts"."ends_on" >= "contracts"."starts_on"),
	CONSTRAINT "contracts_billing_increment_check" CHECK ("contracts"."billing_increment_minutes" between 1 and 60),
	CONSTRAINT "contracts_multiplier_check" CHECK ("contracts"."after_hours_multiplier_percent" >= 100),
	CONSTRAINT "contracts_slots_check" CHECK ("contracts"."slots_per_month" is null or "contracts"."slots_per_month" >= 0),
	CONSTRAINT "contracts_minimum_term_check" CHECK ("contracts"."minimum_term_months" >= 0)
);
--> statement-breakpoint
CREATE TABLE "hour_bank_entries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"contract_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"seconds" integer NOT NULL,
	"price_minor" integer,
	"discount_percent" integer,
	"net_minor" integer,
	"currency" char(3),
	"reason" text,
	"ticket_id" uuid,
	"time_entry_id" uuid,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hour_bank_entries_kind_check" CHECK ("hour_bank_entries"."kind" in ('purchase', 'adjustment', 'expiry', 'consumption')),
	CONSTRAINT "hour_bank_entries_sign_check" CHECK (("hour_bank_entries"."kind" = 'purchase' and "hour_bank_entries"."seconds" > 0) or ("hour_bank_entries"."kind" = 'adjustment' and "hour_bank_entries"."seconds" <> 0) or ("hour_bank_entries"."kind" in ('expiry', 'consumption') and "hour_bank_entries"."seconds" < 0)),
	CONSTRAINT "hour_bank_entries_purchase_check" CHECK (("hour_bank_entries"."kind" = 'purchase') = ("hour_bank_entries"."price_minor" is not null) and ("hour_bank_entries"."price_minor" is null or ("hour_bank_entries"."price_minor" >= 0 and "hour_bank_entries"."net_minor" >= 0 and "hour_bank_entries"."discount_percent" between 0 and 100 and "hour_bank_entries"."currency" is not null)))
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"first_response_target" jsonb,
	"service_scope" text,
	"price_per_slot_minor" integer,
	"currency" char(3),
	"slots_per_month" integer,
	"minimum_term_months" integer DEFAULT 0 NOT NULL,
	"allowed_channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plans_price_check" CHECK ("plans"."price_per_slot_minor" is null or ("plans"."price_per_slot_minor" >= 0 and "plans"."currency" is not null)),
	CONSTRAINT "plans_slots_check" CHECK ("plans"."slots_per_month" is null or "plans"."slots_per_month" >= 0),
	CONSTRAINT "plans_minimum_term_check" CHECK ("plans"."minimum_term_months" >= 0)
);
--> statement-breakpoint
CREATE TABLE "recurring_services" (
	"id" uuid PRIMARY KEY NOT NULL,
	"contract_id" uuid NOT NULL,
	"name" text NOT NULL,
	"monthly_amount_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"prepayment_period" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recurring_services_amount_check" CHECK ("recurring_services"."monthly_amount_minor" >= 0),
	CONSTRAINT "recurring_services_period_check" CHECK ("recurring_services"."prepayment_period" in ('monthly', 'quarterly', 'half-yearly', 'yearly')),
	CONSTRAINT "recurring_services_term_check" CHECK ("recurring_services"."ends_on" is null or "recurring_services"."ends_on" >= "recurring_services"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "slot_entries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"contract_id" uuid NOT NULL,
	"month" char(7) NOT NULL,
	"count" integer NOT NULL,
	"ticket_id" uuid,
	"reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slot_entries_month_check" CHECK ("slot_entries"."month" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
	CONSTRAINT "slot_entries_count_check" CHECK ("slot_entries"."count" > 0)
);
--> statement-breakpoint
CREATE TABLE "business_calendars" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"weekly" jsonb NOT NULL,
	"holidays" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recurring_holidays" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"overrides" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sla_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"calendar_id" uuid,
	"targets" jsonb NOT NULL,
	"warning" jsonb,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rank" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_policies_rank_check" CHECK ("sla_policies"."rank" >= 0)
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"default_team_id" uuid,
	"inbound_email" text,
	"billable_by_default" boolean DEFAULT false NOT NULL,
	"reopen_on_customer_reply" boolean DEFAULT true NOT NULL,
	"auto_close_resolved_after_days" integer,
	"unassigned_alert_minutes" integer,
	"unassigned_repeat_minutes" integer,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queues_inbound_email_lower" CHECK ("queues"."inbound_email" = lower("queues"."inbound_email")),
	CONSTRAINT "queues_auto_close_days_check" CHECK ("queues"."auto_close_resolved_after_days" >= 1),
	CONSTRAINT "queues_unassigned_alert_minutes_check" CHECK ("queues"."unassigned_alert_minutes" >= 1),
	CONSTRAINT "queues_unassigned_repeat_minutes_check" CHECK ("queues"."unassigned_repeat_minutes" >= 1)
);
--> statement-breakpoint
CREATE TABLE "ticket_states" (
	"id" uuid PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"allowed_transitions" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_states_category_check" CHECK ("ticket_states"."category" in ('new', 'open', 'pending', 'resolved', 'closed')),
	CONSTRAINT "ticket_states_default_category_check" CHECK (not "ticket_states"."is_default" or "ticket_states"."category" = 'new'),
	CONSTRAINT "ticket_states_key_check" CHECK ("ticket_states"."key" ~ '^[a-z][a-z0-9_-]{0,63}$')
);
--> statement-breakpoint
CREATE TABLE "ticket_types" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"billable" boolean DEFAULT false NOT NULL,
	"required_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_types_required_fields_check" CHECK ("ticket_types"."required_fields" <@ array['steps', 'expectedResult', 'section', 'screenshot']::text[])
);
--> statement-breakpoint
CREATE TABLE "message_attachments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"message_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"blob_hash" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"inline" boolean DEFAULT false NOT NULL,
	"content_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_attachments_size_check" CHECK ("message_attachments"."size" > 0)
);
--> statement-breakpoint
CREATE TABLE "ticket_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"type" text NOT NULL,
	"field" text,
	"old" jsonb,
	"new" jsonb,
	"actor" text NOT NULL,
	"actor_kind" text NOT NULL,
	"channel" text,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"visibility" text NOT NULL,
	"author_kind" text NOT NULL,
	"author_contact_id" uuid,
	"author_agent_id" uuid,
	"created_by" text NOT NULL,
	"channel" text NOT NULL,
	"body_text" text NOT NULL,
	"body_html" text,
	"mail_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_messages_visibility_check" CHECK ("ticket_messages"."visibility" in ('public', 'internal')),
	CONSTRAINT "ticket_messages_author_kind_check" CHECK ("ticket_messages"."author_kind" in ('contact', 'agent', 'system')),
	CONSTRAINT "ticket_messages_channel_check" CHECK ("ticket_messages"."channel" in ('email', 'web', 'api', 'phone', 'chat', 'messenger', 'on-site')),
	CONSTRAINT "ticket_messages_author_check" CHECK (("ticket_messages"."author_kind" = 'contact' and "ticket_messages"."author_contact_id" is not null) or ("ticket_messages"."author_kind" = 'agent' and "ticket_messages"."author_agent_id" is not null) or "ticket_messages"."author_kind" = 'system')
);
--> statement-breakpoint
CREATE TABLE "ticket_sla_clocks" (
	"ticket_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"policy_id" uuid NOT NULL,
	"measure" text NOT NULL,
	"target_seconds" integer NOT NULL,
	"warn_seconds" integer,
	"consumed_seconds" integer DEFAULT 0 NOT NULL,
	"running_since" timestamp with time zone,
	"virtual_start_at" timestamp with time zone,
	"due_at" timestamp with time zone,
	"warn_at" timestamp with time zone,
	"met_at" timestamp with time zone,
	"warned_for_due_at" timestamp with time zone,
	"breached_for_due_at" timestamp with time zone,
	"cycle" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_sla_clocks_pkey" PRIMARY KEY("ticket_id","kind"),
	CONSTRAINT "ticket_sla_clocks_kind_check" CHECK ("ticket_sla_clocks"."kind" in ('first_response', 'next_response', 'resolution')),
	CONSTRAINT "ticket_sla_clocks_status_check" CHECK ("ticket_sla_clocks"."status" in ('running', 'paused', 'met', 'stopped')),
	CONSTRAINT "ticket_sla_clocks_measure_check" CHECK ("ticket_sla_clocks"."measure" in ('business', 'calendar')),
	CONSTRAINT "ticket_sla_clocks_running_check" CHECK (("ticket_sla_clocks"."status" = 'running') = ("ticket_sla_clocks"."running_since" is not null))
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" integer DEFAULT nextval('tickets_number_seq') NOT NULL,
	"subject" text NOT NULL,
	"description" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"channel" text NOT NULL,
	"requester_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"contract_id" uuid,
	"site_id" uuid,
	"equipment_id" uuid,
	"queue_id" uuid NOT NULL,
	"ticket_type_id" uuid,
	"priority" text DEFAULT 'normal' NOT NULL,
	"state_id" uuid NOT NULL,
	"state_category" text NOT NULL,
	"assignee_id" uuid,
	"team_id" uuid,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"billable" boolean NOT NULL,
	"billable_reason" text,
	"sla_policy_id" uuid,
	"first_response_due_at" timestamp with time zone,
	"next_response_due_at" timestamp with time zone,
	"resolution_due_at" timestamp with time zone,
	"next_due_at" timestamp with time zone,
	"next_sla_event_at" timestamp with time zone,
	"first_response_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"last_customer_message_at" timestamp with time zone,
	"last_agent_reply_at" timestamp with time zone,
	"merged_into_id" uuid,
	"gate_override_reason" text,
	"created_by" text NOT NULL,
	"search" "tsvector" DEFAULT ''::tsvector NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_channel_check" CHECK ("tickets"."channel" in ('email', 'web', 'api', 'phone', 'chat', 'messenger', 'on-site')),
	CONSTRAINT "tickets_priority_check" CHECK ("tickets"."priority" in ('low', 'normal', 'high', 'urgent')),
	CONSTRAINT "tickets_state_category_check" CHECK ("tickets"."state_category" in ('new', 'open', 'pending', 'resolved', 'closed')),
	CONSTRAINT "tickets_gate_override_check" CHECK ("tickets"."contract_id" is not null or "tickets"."gate_override_reason" is not null),
	CONSTRAINT "tickets_billable_reason_check" CHECK ("tickets"."billable_reason" is null or length("tickets"."billable_reason") > 0),
	CONSTRAINT "tickets_not_merged_into_self" CHECK ("tickets"."merged_into_id" is null or "tickets"."merged_into_id" <> "tickets"."id")
);
--> statement-breakpoint
CREATE TABLE "escalation_rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"level" integer DEFAULT 1 NOT NULL,
	"trigger" text NOT NULL,
	"clock" text,
	"percent_elapsed" integer,
	"minutes_after_breach" integer,
	"minutes" integer,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actions" jsonb NOT NULL,
	"requires_approval" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalation_rules_trigger_check" CHECK ("escalation_rules"."trigger" in ('sla.warning', 'sla.breached', 'unassigned', 'no_agent_reply', 'urgent_unacknowledged')),
	CONSTRAINT "escalation_rules_clock_check" CHECK (("escalation_rules"."trigger" like 'sla.%') = ("escalation_rules"."clock" is not null)),
	CONSTRAINT "escalation_rules_level_check" CHECK ("escalation_rules"."level" between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"trigger_at" timestamp with time zone NOT NULL,
	"level" integer NOT NULL,
	"status" text NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalations_status_check" CHECK ("escalations"."status" in ('fired', 'proposed', 'approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "inbound_mail" (
	"id" uuid PRIMARY KEY NOT NULL,
	"mailbox" text NOT NULL,
	"queue_id" uuid NOT NULL,
	"message_key" text NOT NULL,
	"message_id" text,
	"envelope_from" text,
	"from_address" text,
	"from_name" text,
	"subject" text NOT NULL,
	"raw_blob_hash" text NOT NULL,
	"size" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"details" jsonb,
	"ticket_id" uuid,
	"quarantined_at" timestamp with time zone,
	"review_state" text,
	"reviewed_at" timestamp with time zone,
	"reviewed_by" text,
	CONSTRAINT "inbound_mail_outcome_check" CHECK ("inbound_mail"."outcome" in ('received', 'ticket_created', 'message_added', 'quarantined', 'throttled', 'automated', 'bounce')),
	CONSTRAINT "inbound_mail_review_state_check" CHECK ("inbound_mail"."review_state" in ('pending', 'released', 'discarded'))
);
--> statement-breakpoint
CREATE TABLE "mail_sender_counters" (
	"address" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "mail_sender_counters_address_window_start_pk" PRIMARY KEY("address","window_start")
);
--> statement-breakpoint
CREATE TABLE "recurring_ticket_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"template_id" uuid NOT NULL,
	"occurrence" timestamp with time zone NOT NULL,
	"ticket_id" uuid,
	"refusal" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recurring_tickets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"ticket_type_id" uuid,
	"priority" text DEFAULT 'normal' NOT NULL,
	"subject" text NOT NULL,
	"description" text,
	"assignee_id" uuid,
	"team_id" uuid,
	"schedule" jsonb NOT NULL,
	"catch_up" text DEFAULT 'each' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"last_processed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recurring_tickets_catch_up_check" CHECK ("recurring_tickets"."catch_up" in ('each', 'latest')),
	CONSTRAINT "recurring_tickets_priority_check" CHECK ("recurring_tickets"."priority" in ('low', 'normal', 'high', 'urgent'))
);
--> statement-breakpoint
CREATE TABLE "unassigned_alerts" (
	"ticket_id" uuid NOT NULL,
	"alert" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_agents_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_emails" ADD CONSTRAINT "contact_emails_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "equipment" ADD CONSTRAINT "equipment_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "equipment" ADD CONSTRAINT "equipment_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sites" ADD CONSTRAINT "sites_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_sla_policy_id_sla_policies_id_fk" FOREIGN KEY ("sla_policy_id") REFERENCES "public"."sla_policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_responsible_manager_id_agents_id_fk" FOREIGN KEY ("responsible_manager_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_bank_entries" ADD CONSTRAINT "hour_bank_entries_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_services" ADD CONSTRAINT "recurring_services_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slot_entries" ADD CONSTRAINT "slot_entries_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_policies" ADD CONSTRAINT "sla_policies_calendar_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."business_calendars"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queues" ADD CONSTRAINT "queues_default_team_fkey" FOREIGN KEY ("default_team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_message_id_ticket_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."ticket_messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_blob_hash_blobs_hash_fk" FOREIGN KEY ("blob_hash") REFERENCES "public"."blobs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_events" ADD CONSTRAINT "ticket_events_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD CONSTRAINT "ticket_messages_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD CONSTRAINT "ticket_messages_author_contact_id_contacts_id_fk" FOREIGN KEY ("author_contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD CONSTRAINT "ticket_messages_author_agent_id_agents_id_fk" FOREIGN KEY ("author_agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" ADD CONSTRAINT "ticket_sla_clocks_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" ADD CONSTRAINT "ticket_sla_clocks_policy_id_sla_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."sla_policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_requester_fkey" FOREIGN KEY ("requester_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_organization_fkey" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_contract_fkey" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_site_fkey" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_equipment_fkey" FOREIGN KEY ("equipment_id") REFERENCES "public"."equipment"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_queue_fkey" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_ticket_type_fkey" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_state_fkey" FOREIGN KEY ("state_id") REFERENCES "public"."ticket_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_assignee_fkey" FOREIGN KEY ("assignee_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_team_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_sla_policy_fkey" FOREIGN KEY ("sla_policy_id") REFERENCES "public"."sla_policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_merged_into_fkey" FOREIGN KEY ("merged_into_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_rule_id_escalation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."escalation_rules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_decided_by_agents_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_mail" ADD CONSTRAINT "inbound_mail_queue_fkey" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_mail" ADD CONSTRAINT "inbound_mail_raw_blob_fkey" FOREIGN KEY ("raw_blob_hash") REFERENCES "public"."blobs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_mail" ADD CONSTRAINT "inbound_mail_ticket_fkey" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_ticket_runs" ADD CONSTRAINT "recurring_ticket_runs_template_id_recurring_tickets_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."recurring_tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_ticket_runs" ADD CONSTRAINT "recurring_ticket_runs_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_ticket_type_id_ticket_types_id_fk" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_assignee_id_agents_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recurring_tickets" ADD CONSTRAINT "recurring_tickets_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unassigned_alerts" ADD CONSTRAINT "unassigned_alerts_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_email_key" ON "agents" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "agents_skills_idx" ON "agents" USING gin ("skills");--> statement-breakpoint
CREATE INDEX "team_members_agent_idx" ON "team_members" USING btree ("agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_name_key" ON "teams" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_agent_idx" ON "refresh_tokens" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "contact_emails_contact_idx" ON "contact_emails" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "contacts_organization_idx" ON "contacts" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "equipment_organization_serial_key" ON "equipment" USING btree ("organization_id","serial_number");--> statement-breakpoint
CREATE INDEX "equipment_organization_idx" ON "equipment" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "equipment_site_idx" ON "equipment" USING btree ("site_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_name_key" ON "organizations" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_tax_id_key" ON "organizations" USING btree ("tax_id");--> statement-breakpoint
CREATE INDEX "organizations_email_domains_idx" ON "organizations" USING gin ("email_domains");--> statement-breakpoint
CREATE UNIQUE INDEX "sites_organization_name_key" ON "sites" USING btree ("organization_id",lower("name"));--> statement-breakpoint
CREATE INDEX "sites_organization_idx" ON "sites" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_job_tick_key" ON "job_runs" USING btree ("job","tick");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("available_at") WHERE "outbox"."status" in ('pending', 'sending');--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_key" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_subject_idx" ON "outbox" USING btree ("subject","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "contracts_number_key" ON "contracts" USING btree ("number");--> statement-breakpoint
CREATE INDEX "contracts_organization_status_idx" ON "contracts" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "contracts_plan_idx" ON "contracts" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "hour_bank_entries_contract_idx" ON "hour_bank_entries" USING btree ("contract_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_name_key" ON "plans" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "recurring_services_contract_idx" ON "recurring_services" USING btree ("contract_id","id");--> statement-breakpoint
CREATE INDEX "slot_entries_contract_month_idx" ON "slot_entries" USING btree ("contract_id","month");--> statement-breakpoint
CREATE UNIQUE INDEX "business_calendars_name_key" ON "business_calendars" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "sla_policies_name_key" ON "sla_policies" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "sla_policies_active_rank_key" ON "sla_policies" USING btree ("rank") WHERE "sla_policies"."active";--> statement-breakpoint
CREATE UNIQUE INDEX "queues_name_key" ON "queues" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "queues_inbound_email_key" ON "queues" USING btree ("inbound_email");--> statement-breakpoint
CREATE INDEX "queues_default_team_idx" ON "queues" USING btree ("default_team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_states_key_key" ON "ticket_states" USING btree ("key");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_states_default_key" ON "ticket_states" USING btree ("is_default") WHERE "ticket_states"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_types_name_key" ON "ticket_types" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "message_attachments_message_idx" ON "message_attachments" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "message_attachments_ticket_idx" ON "message_attachments" USING btree ("ticket_id");--> statement-breakpoint
CREATE INDEX "message_attachments_blob_idx" ON "message_attachments" USING btree ("blob_hash");--> statement-breakpoint
CREATE INDEX "ticket_events_ticket_idx" ON "ticket_events" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "ticket_messages_ticket_idx" ON "ticket_messages" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_messages_mail_message_id_key" ON "ticket_messages" USING btree ("mail_message_id");--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_due_idx" ON "ticket_sla_clocks" USING btree ("due_at") WHERE "ticket_sla_clocks"."status" = 'running';--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_warn_idx" ON "ticket_sla_clocks" USING btree ("kind","warn_at") WHERE "ticket_sla_clocks"."status" = 'running';--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_percent_idx" ON "ticket_sla_clocks" USING btree ("kind","target_seconds","virtual_start_at") WHERE "ticket_sla_clocks"."status" = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_number_key" ON "tickets" USING btree ("number");--> statement-breakpoint
CREATE INDEX "tickets_org_state_updated_idx" ON "tickets" USING btree ("organization_id","state_category","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_team_next_due_idx" ON "tickets" USING btree ("team_id","next_due_at","id") WHERE "tickets"."state_category" in ('new', 'open', 'pending');--> statement-breakpoint
CREATE INDEX "tickets_next_sla_event_idx" ON "tickets" USING btree ("next_sla_event_at") WHERE "tickets"."next_sla_event_at" is not null;--> statement-breakpoint
CREATE INDEX "tickets_search_idx" ON "tickets" USING gin ("search");--> statement-breakpoint
CREATE INDEX "tickets_tags_idx" ON "tickets" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "tickets_assignee_idx" ON "tickets" USING btree ("assignee_id","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tickets_requester_idx" ON "tickets" USING btree ("requester_id","id");--> statement-breakpoint
CREATE INDEX "tickets_contract_idx" ON "tickets" USING btree ("contract_id","id");--> statement-breakpoint
CREATE INDEX "tickets_queue_idx" ON "tickets" USING btree ("queue_id","id");--> statement-breakpoint
CREATE INDEX "tickets_merged_into_idx" ON "tickets" USING btree ("merged_into_id") WHERE "tickets"."merged_into_id" is not null;--> statement-breakpoint
CREATE INDEX "tickets_unassigned_idx" ON "tickets" USING btree ("created_at") WHERE "tickets"."state_category" in ('new', 'open', 'pending') and "tickets"."assignee_id" is null and "tickets"."merged_into_id" is null;--> statement-breakpoint
CREATE INDEX "tickets_updated_idx" ON "tickets" USING btree ("updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "escalation_rules_name_key" ON "escalation_rules" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "escalation_rules_active_level_idx" ON "escalation_rules" USING btree ("level") WHERE "escalation_rules"."active";--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_rule_ticket_trigger_key" ON "escalations" USING btree ("rule_id","ticket_id","trigger_at");--> statement-breakpoint
CREATE INDEX "escalations_ticket_idx" ON "escalations" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "escalations_proposed_idx" ON "escalations" USING btree ("id") WHERE "escalations"."status" = 'proposed';--> statement-breakpoint
CREATE INDEX "inbound_mail_ticket_idx" ON "inbound_mail" USING btree ("ticket_id") WHERE "inbound_mail"."ticket_id" is not null;--> statement-breakpoint
CREATE INDEX "inbound_mail_unlinked_received_idx" ON "inbound_mail" USING btree ("received_at") WHERE "inbound_mail"."ticket_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_mail_mailbox_message_key" ON "inbound_mail" USING btree ("mailbox","message_key");--> statement-breakpoint
CREATE INDEX "inbound_mail_quarantine_idx" ON "inbound_mail" USING btree ("id") WHERE "inbound_mail"."quarantined_at" is not null;--> statement-breakpoint
CREATE INDEX "mail_sender_counters_window_idx" ON "mail_sender_counters" USING btree ("window_start");--> statement-breakpoint
CREATE UNIQUE INDEX "recurring_ticket_runs_template_occurrence_key" ON "recurring_ticket_runs" USING btree ("template_id","occurrence");--> statement-breakpoint
CREATE INDEX "recurring_tickets_active_idx" ON "recurring_tickets" USING btree ("id") WHERE "recurring_tickets"."active";--> statement-breakpoint
CREATE INDEX "recurring_tickets_organization_idx" ON "recurring_tickets" USING btree ("organization_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "unassigned_alerts_ticket_alert_key" ON "unassigned_alerts" USING btree ("ticket_id","alert");