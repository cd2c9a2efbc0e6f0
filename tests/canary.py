"""A generic scanner for canary values: every column of every table, every stored file, the Redis cache and
broker, the test outbox. It knows no model and no place in advance; it discovers them, so a new table, a
new history table or a new directory of files is scanned without anyone adding it here.

Used by the erasure end-to-end test: file a request with unique values, erase, then ask where they remain.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core import mail
from django.db import connection

# Types a canary string can hide in; numbers, dates, booleans and uuids cannot hold one.
_SKIPPED_TYPES = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "boolean", "date",
    "timestamp with time zone", "timestamp without time zone", "time without time zone",
    "time with time zone", "interval", "uuid", "inet", "cidr",
})


@dataclass(frozen=True, order=True)
class Hit:
    """One place a canary value was found: ("db", table, column), ("file", path, member) or ("redis", key, "")."""

    kind: str
    where: str
    detail: str
    canary: str

    def place(self) -> tuple[str, str, str]:
        return self.kind, self.where, self.detail


def database_columns() -> dict[str, list[str]]:
    """Return every table of the current schema with the columns that can hold text (discovered, not listed)."""
    assert connection.vendor == "postgresql", "the canary scanner reads PostgreSQL's catalogue"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position")
        rows = cursor.fetchall()
    tables: dict[str, list[str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, [])
        if data_type not in _SKIPPED_TYPES:
            tables[table].append(column)
    return tables


def _column_text(column: str, data_type_bytea: bool) -> str:
    quoted = connection.ops.quote_name(column)
    return f"encode({quoted}, 'escape')" if data_type_bytea else f"{quoted}::text"


def scan_database(canaries: Iterable[str]) -> list[Hit]:
    """Return a hit for each (table, column, canary) where some row's value contains the canary (any case)."""
    canaries = [c.lower() for c in canaries]
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND data_type = 'bytea'")
        bytea = set(cursor.fetchall())
    hits: list[Hit] = []
    for table, columns in database_columns().items():
        if not columns:
            continue
        pairs = [(column, canary) for column in columns for canary in canaries]
        filters = ", ".join(
            f"count(*) FILTER (WHERE strpos(lower({_column_text(column, (table, column) in bytea)}), %s) > 0)"
            for column, _ in pairs)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {filters} FROM {connection.ops.quote_name(table)}",  # noqa: S608 - catalogue names
                           [canary for _, canary in pairs])
            counts = cursor.fetchone()
        hits.extend(Hit("db", table, column, canary)
                    for (column, canary), count in zip(pairs, counts, strict=True) if count)
    return hits


# --- Files ------------------------------------------------------------------------------------------------

def _texts_of_file(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Yield (member, bytes) views of a file: itself, zip members, decoded e-mail parts and base64 bodies."""
    yield "", data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield f"zip:{name}", name.encode() + b"\n" + archive.read(name)
    if b"\nSubject:" in data or data.startswith((b"Content-Type:", b"MIME-Version:")):
        # Django's file backend writes messages one after another, separated by a line of 79 dashes.
        for number, chunk in enumerate(data.split(b"-" * 79)):
            message = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if payload:
                    yield f"mail:{number}:{part.get_content_type()}", payload


def scan_files(roots: Iterable[Path], canaries: Iterable[str]) -> list[Hit]:
    """Return a hit for each file (or zip member, or e-mail part) under `roots` that contains a canary."""
    canaries = [c.lower().encode() for c in canaries]
    hits: set[Hit] = set()
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name_hit = [c for c in canaries if c in str(path).lower().encode()]
            hits.update(Hit("file", str(path), "name", c.decode()) for c in name_hit)
            for member, data in _texts_of_file(path.read_bytes()):
                lowered = data.lower()
                hits.update(Hit("file", str(path), member, c.decode()) for c in canaries if c in lowered)
    return sorted(hits)


# --- Redis (cache, Celery broker and results) -----------------------------------------------------------

def _decoded_views(raw: bytes) -> Iterator[bytes]:
    """Yield the raw value and, for a kombu message, its base64-decoded body."""
    yield raw
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return
    if isinstance(envelope, dict) and isinstance(envelope.get("body"), str):
        try:
            yield base64.b64decode(envelope["body"], validate=True)
        except (binascii.Error, ValueError):
            yield envelope["body"].encode()


def _redis_values(client, key: bytes) -> Iterator[bytes]:
    kind = client.type(key).decode()
    if kind == "string":
        yield client.get(key) or b""
    elif kind == "list":
        yield from client.lrange(key, 0, -1)
    elif kind == "set":
        yield from client.smembers(key)
    elif kind == "zset":
        yield from client.zrange(key, 0, -1)
    elif kind == "hash":
        for field, value in client.hgetall(key).items():
            yield field
            yield value


def scan_redis(url: str, canaries: Iterable[str]) -> list[Hit]:
    """Return a hit for each key of the Redis database at `url` whose name or value contains a canary."""
    import redis

    canaries = [c.lower().encode() for c in canaries]
    client = redis.Redis.from_url(url)
    hits: set[Hit] = set()
    for key in client.scan_iter(count=500):
        views = [key] + [view for raw in _redis_values(client, key) for view in _decoded_views(raw)]
        for canary in canaries:
            if any(canary in view.lower() for view in views):
                hits.add(Hit("redis", key.decode(errors="replace"), "", canary.decode()))
    return sorted(hits)


def scan_outbox(canaries: Iterable[str]) -> list[Hit]:
    """Return a hit for each message in Django's test outbox (locmem backend) that contains a canary."""
    canaries = [c.lower() for c in canaries]
    hits = []
    for number, message in enumerate(getattr(mail, "outbox", [])):
        text = message.message().as_bytes().decode(errors="replace").lower()
        text += "\n".join(str(part).lower() for part in [message.subject, message.body, *message.to])
        hits.extend(Hit("outbox", str(number), message.subject, c) for c in canaries if c in text)
    return hits
