"""The schema of the SQL stores, as migration steps per dialect.

Append new steps at the end; never edit a released step.
"""

from ._migrations import Migration

__all__ = ["POSTGRES_MIGRATIONS", "SQLITE_MIGRATIONS"]

_APPEND_ONLY = "audit is append-only"

SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="records, events, projections, audit",
        statements=(
            (
                "CREATE TABLE businesses (id TEXT PRIMARY KEY, district TEXT NOT NULL,"
                " sector TEXT NOT NULL, owner_nik TEXT, data TEXT NOT NULL)"
            ),
            "CREATE INDEX businesses_district ON businesses (district, sector)",
            "CREATE INDEX businesses_sector ON businesses (sector)",
            "CREATE INDEX businesses_owner_nik ON businesses (owner_nik)",
            "CREATE TABLE mentors (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE programmes (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
            (
                "CREATE TABLE cooperatives (id TEXT PRIMARY KEY, district TEXT NOT NULL,"
                " data TEXT NOT NULL)"
            ),
            "CREATE INDEX cooperatives_district ON cooperatives (district)",
            (
                "CREATE TABLE observations (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                " business_id TEXT NOT NULL, data TEXT NOT NULL)"
            ),
            "CREATE INDEX observations_business ON observations (business_id, seq)",
            (
                "CREATE TABLE cohorts (programme_id TEXT NOT NULL REFERENCES programmes (id),"
                " business_id TEXT NOT NULL REFERENCES businesses (id),"
                " PRIMARY KEY (programme_id, business_id))"
            ),
            (
                "CREATE TABLE events (stream TEXT NOT NULL, version INTEGER NOT NULL"
                " CHECK (version > 0), kind TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL,"
                " data TEXT NOT NULL, PRIMARY KEY (stream, version))"
            ),
            (
                "CREATE TABLE projections (name TEXT NOT NULL, key TEXT NOT NULL,"
                " value TEXT NOT NULL, PRIMARY KEY (name, key))"
            ),
            (
                "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
                " actor TEXT NOT NULL, action TEXT NOT NULL, entity TEXT NOT NULL,"
                " entity_id TEXT NOT NULL, subject TEXT, fields TEXT NOT NULL)"
            ),
            "CREATE INDEX audit_entity ON audit (entity_id, seq)",
            (
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                f" BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            ),
            (
                "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
                f" BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            ),
        ),
    ),
)

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="records, events, projections, audit",
        statements=(
            (
                "CREATE TABLE businesses (id TEXT PRIMARY KEY, district TEXT NOT NULL,"
                " sector TEXT NOT NULL, owner_nik TEXT, data JSON NOT NULL)"
            ),
            "CREATE INDEX businesses_district ON businesses (district, sector)",
            "CREATE INDEX businesses_sector ON businesses (sector)",
            "CREATE INDEX businesses_owner_nik ON businesses (owner_nik)",
            "CREATE TABLE mentors (id TEXT PRIMARY KEY, data JSON NOT NULL)",
            "CREATE TABLE programmes (id TEXT PRIMARY KEY, data JSON NOT NULL)",
            (
                "CREATE TABLE cooperatives (id TEXT PRIMARY KEY, district TEXT NOT NULL,"
                " data JSON NOT NULL)"
            ),
            "CREATE INDEX cooperatives_district ON cooperatives (district)",
            (
                "CREATE TABLE observations (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                " business_id TEXT NOT NULL, data JSON NOT NULL)"
            ),
            "CREATE INDEX observations_business ON observations (business_id, seq)",
            (
                "CREATE TABLE cohorts (programme_id TEXT NOT NULL REFERENCES programmes (id),"
                " business_id TEXT NOT NULL REFERENCES businesses (id),"
                " PRIMARY KEY (programme_id, business_id))"
            ),
            (
                "CREATE TABLE events (stream TEXT NOT NULL, version INTEGER NOT NULL"
                " CHECK (version > 0), kind TEXT NOT NULL, actor TEXT NOT NULL,"
                " at TIMESTAMPTZ NOT NULL, data JSON NOT NULL, PRIMARY KEY (stream, version))"
            ),
            (
                "CREATE TABLE projections (name TEXT NOT NULL, key TEXT NOT NULL,"
                " value JSON NOT NULL, PRIMARY KEY (name, key))"
            ),
            (
                "CREATE TABLE audit (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                " at TIMESTAMPTZ NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
                " entity TEXT NOT NULL, entity_id TEXT NOT NULL, subject TEXT,"
                " fields JSON NOT NULL)"
            ),
            "CREATE INDEX audit_entity ON audit (entity_id, seq)",
            (
                "CREATE FUNCTION mentorkit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
                f" $$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
            ),
            (
                "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
                " FOR EACH ROW EXECUTE FUNCTION mentorkit_audit_append_only()"
            ),
            (
                "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
                " FOR EACH STATEMENT EXECUTE FUNCTION mentorkit_audit_append_only()"
            ),
        ),
    ),
)
