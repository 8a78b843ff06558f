"""Schema, one named migration per change; sqlite-utils applies each once, in its own transaction.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

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
