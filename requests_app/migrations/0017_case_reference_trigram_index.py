"""Partial search by reference (a fragment such as "000123") read from a trigram index on PostgreSQL.

`reference__icontains` is `UPPER(reference) LIKE UPPER('%…%')`; a GIN index of UPPER(reference) with
pg_trgm's operator class answers it without reading every case. pg_trgm is created here (no-op elsewhere);
the index is PostgreSQL-only, so it is created by SQL guarded by the database vendor, not declared on the model
(SQLite has no GIN indexes).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "case_reference_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "requests_app_case" '
                              'USING gin ((UPPER("reference"::text)) gin_trgm_ops)')


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0016_case_list_indexes_and_next_reminder"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
