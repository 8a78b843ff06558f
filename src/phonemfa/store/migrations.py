"""Schema, one named migration per change; sqlite-utils applies each once, in its own transaction.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("phonemfa")


@migrations(name="0001_settings_secrets_events_tokens_users")
def m0001(db: Database) -> None:
    db.execute(
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,          -- JSON
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            ciphertext TEXT NOT NULL,     -- Fernet token; never the clear value
            hint TEXT NOT NULL,           -- the mask shown to operators
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            date TEXT NOT NULL,
            type TEXT NOT NULL,
            description TEXT NOT NULL,
            ip TEXT,
            user_id TEXT,
            user_name TEXT,
            client_id TEXT,
            client_name TEXT,
            user_agent TEXT,
            details TEXT NOT NULL DEFAULT '{}',
            simulated INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX events_type ON events(type, id)")
    db.execute("CREATE INDEX events_user ON events(user_id, id)")
    db.execute("CREATE INDEX events_ts ON events(ts)")
    db.execute(
        """CREATE TABLE api_tokens (
            jti TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            subject TEXT NOT NULL,
            issued_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            revoked_at REAL
        )"""
    )
    db.execute(
        """CREATE TABLE users (
            user_id TEXT PRIMARY KEY,
            email TEXT,
            name TEXT,
            phone_number TEXT,            -- E.164, the number the user signed up with (if any)
            locale TEXT,
            app_metadata TEXT NOT NULL DEFAULT '{}',
            user_metadata TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        )"""
    )


@migrations(name="0002_messages_outbox")
def m0002(db: Database) -> None:
    # The outbox: one row per send, written before the provider is called and completed after,
    # so a crash in between leaves a row in state 'pending' that is never re-sent blindly.
    # The text is not stored: it holds the code.
    db.execute(
        """CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            transaction_id TEXT,
            user_id TEXT,
            channel TEXT NOT NULL,            -- sms | voice
            action TEXT NOT NULL,             -- enrollment | second-factor-authentication
            recipient_masked TEXT NOT NULL,
            region TEXT,                      -- ISO country of the recipient, for stats and rules
            provider TEXT NOT NULL,           -- auth0 | twilio | phone-message-hook
            state TEXT NOT NULL,              -- pending | sent | failed | interrupted
            status TEXT,                      -- the provider's: queued, sent, delivered, undelivered...
            provider_id TEXT,                 -- Twilio SID, inbox id, action's id
            error_code TEXT,
            error_message TEXT,
            segments INTEGER,
            simulated INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX messages_provider_id ON messages(provider_id)")
    db.execute("CREATE INDEX messages_created ON messages(created_at)")
    db.execute("CREATE INDEX messages_user ON messages(user_id, created_at)")


@migrations(name="0003_mfa_engine")
def m0003(db: Database) -> None:
    # Phone enrollments. The HOTP secret is a Fernet token; `counter` is the next HOTP counter.
    db.execute(
        """CREATE TABLE enrollments (
            id TEXT PRIMARY KEY,              -- dev_...
            user_id TEXT NOT NULL,
            phone_number TEXT NOT NULL,       -- E.164
            region TEXT NOT NULL,
            number_type TEXT NOT NULL,
            channel TEXT NOT NULL,            -- the channel chosen at enrollment: sms | voice
            status TEXT NOT NULL,             -- pending | confirmed
            secret TEXT NOT NULL,             -- encrypted HOTP secret
            counter INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            enrolled_at REAL,
            last_auth REAL,
            simulated INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX enrollments_user ON enrollments(user_id, status)")
    # Enrollment and challenge attempts: never the code, only what regenerates and checks it.
    db.execute(
        """CREATE TABLE transactions (
            id TEXT PRIMARY KEY,              -- the oob_code
            kind TEXT NOT NULL,               -- enrollment | challenge
            user_id TEXT NOT NULL,
            enrollment_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            counter INTEGER NOT NULL,
            digits INTEGER NOT NULL,
            expires_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,              -- sending | open | verified | superseded | failed
            message_id TEXT,
            ip TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            simulated INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX transactions_enrollment ON transactions(enrollment_id, state)")
    db.execute(
        """CREATE TABLE recovery_codes (
            id TEXT PRIMARY KEY,              -- dev_... (authenticator recovery-code|dev_...)
            user_id TEXT NOT NULL,
            enrollment_id TEXT,               -- the enrollment that issued it (pending until confirmed)
            code_hash TEXT NOT NULL,          -- HMAC-SHA256 with the instance's hash key
            state TEXT NOT NULL,              -- pending | active | used
            created_at REAL NOT NULL,
            used_at REAL
        )"""
    )
    db.execute("CREATE INDEX recovery_codes_user ON recovery_codes(user_id, state)")
    # What the Built-in provider delivered: the user's phone, simulated. Text encrypted (it has the code).
    db.execute(
        """CREATE TABLE virtual_inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL,
            recipient TEXT NOT NULL,          -- E.164
            channel TEXT NOT NULL,
            ciphertext TEXT NOT NULL,
            created_at REAL NOT NULL,
            simulated INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX virtual_inbox_recipient ON virtual_inbox(recipient, id)")
    db.execute(
        """CREATE TABLE rate_buckets (
            key TEXT PRIMARY KEY,             -- kind:subject, e.g. user_messages:auth0|alice
            tokens REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE blocked_ips (
            ip TEXT PRIMARY KEY,
            reason TEXT NOT NULL,             -- limit_mu
            detail TEXT NOT NULL,
            blocked_at REAL NOT NULL
        )"""
    )
    # Durable tenant-wide counts (the Built-in provider's lifetime allowance).
    db.execute("CREATE TABLE tenant_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")


@migrations(name="0004_log_streams_leases_alerts")
def m0004(db: Database) -> None:
    # Log streams: one row per sink, its delivery cursor (the last event id handed over), and a
    # lease so only one process (console or API server) delivers a sink at a time.
    db.execute(
        """CREATE TABLE stream_sinks (
            id TEXT PRIMARY KEY,              -- lst_...
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,               -- http | file
            status TEXT NOT NULL,             -- active | paused | suspended
            endpoint TEXT,                    -- http: the URL POSTed to
            content_type TEXT,                -- http: Content-Type header
            content_format TEXT,              -- http: JSONLINES | JSONARRAY | JSONOBJECT
            file_path TEXT,                   -- file: JSON lines appended here
            filters TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE stream_cursors (
            sink_id TEXT PRIMARY KEY REFERENCES stream_sinks(id) ON DELETE CASCADE,
            last_event_id INTEGER NOT NULL,   -- every event up to here is delivered (or filtered)
            delivered INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,  -- consecutive failed batches
            failing_since REAL,
            retry_at REAL,
            last_error TEXT,
            last_attempt_at REAL,
            last_success_at REAL
        )"""
    )
    db.execute(
        """CREATE TABLE leases (
            name TEXT PRIMARY KEY,            -- sink:<id>, alerts
            holder TEXT NOT NULL,
            acquired_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE alert_rules (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,               -- spike | count | failure_ratio | usage_day | usage_country
            types TEXT NOT NULL DEFAULT '[]',
            threshold REAL NOT NULL,
            window_seconds INTEGER NOT NULL,
            min_count INTEGER NOT NULL DEFAULT 0,
            baseline_seconds INTEGER NOT NULL DEFAULT 86400,
            enabled INTEGER NOT NULL DEFAULT 1,
            webhook_url TEXT,                 -- notified on firing; its Authorization is a secret
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE alert_firings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            rule_id TEXT NOT NULL,
            key TEXT NOT NULL DEFAULT '',     -- what a firing is about: '' or day / day:country
            fired_at REAL NOT NULL,
            message TEXT NOT NULL,
            event_id INTEGER,                 -- the `alert` event written
            simulated INTEGER NOT NULL DEFAULT 0,
            acknowledged_at REAL,
            acknowledged_by TEXT,
            notify_state TEXT NOT NULL DEFAULT 'none',  -- none | pending | sent | failed
            notify_error TEXT
        )"""
    )
    db.execute("CREATE INDEX alert_firings_rule ON alert_firings(rule_id, key, fired_at)")
    db.execute("CREATE INDEX alert_firings_open ON alert_firings(acknowledged_at)")
    # The default rules as shipped (frozen here: core.alerts.DEFAULT_RULES may evolve later).
    defaults = [
        ("alr_sms_spike", "SMS sends spike", "spike", ["gd_send_sms"], 3, 300, 20),
        ("alr_sms_fail_spike", "SMS failures spike", "spike", ["gd_send_sms_failure"], 3, 300, 10),
        ("alr_voice_spike", "Voice calls spike", "spike", ["gd_send_voice"], 3, 300, 10),
        (
            "alr_voice_fail_spike",
            "Voice failures spike",
            "spike",
            ["gd_send_voice_failure"],
            3,
            300,
            5,
        ),
        ("alr_ip_blocked", "IP blocked for sign-up flood", "count", ["limit_mu"], 1, 60, 0),
        ("alr_failure_ratio", "Send failures over 25%", "failure_ratio", [], 25, 900, 20),
        ("alr_usage_day", "Messages per day", "usage_day", [], 1000, 86400, 0),
        ("alr_usage_country", "Messages per country per day", "usage_country", [], 300, 86400, 0),
    ]
    for rule_id, name, kind, types, threshold, window, min_count in defaults:
        db.execute(
            "INSERT INTO alert_rules(id, name, kind, types, threshold, window_seconds, min_count,"
            " baseline_seconds, enabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,86400,1,0,0)",
            (rule_id, name, kind, json.dumps(types), threshold, window, min_count),
        )
