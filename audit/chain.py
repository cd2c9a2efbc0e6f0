"""The hash chain of the audit log as pure functions (no Django imports).

Each entry's hash covers its own fields and the previous entry's hash, like the hash chains of
append-only ledgers and the Merkle logs of certificate transparency (RFC 6962): changing, removing or
reordering any entry changes every hash after it. Personal data never enters an entry: the services
store a keyed hash (HMAC-SHA256) of it, so the data can be erased and the chain still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """Serialize `value` the one way the chain hashes it: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def content_digest(key: bytes, content: Mapping[str, Any] | None) -> str:
    """Return the keyed hash of personal content, or "" when there is none."""
    if not content:
        return ""
    return hmac.new(key, canonical(content), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class EntryFields:
    """The fields of one entry that its hash covers."""

    sequence: int
    at: str  # ISO 8601, UTC
    kind: str
    object_type: str
    object_id: str
    actor_id: int | None
    facts: Mapping[str, Any]
    content_digest: str

    def as_dict(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "at": self.at, "kind": self.kind, "object_type": self.object_type,
                "object_id": self.object_id, "actor_id": self.actor_id, "facts": dict(self.facts),
                "content_digest": self.content_digest}


def entry_hash(previous_hash: str, fields: EntryFields) -> str:
    """Return SHA-256 over the previous hash and the entry's canonical fields."""
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(fields.as_dict())).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    fields: EntryFields
    previous_hash: str
    entry_hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head_sequence: int
    head_hash: str
    broken_sequence: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.checked} entries, head #{self.head_sequence} {self.head_hash}"
        return f"Audit chain broken at entry #{self.broken_sequence}: {self.problem}"


def verify(entries: Iterable[StoredEntry], *, start_sequence: int = 1, start_previous: str = GENESIS,
           expect: Mapping[int, str] | None = None) -> Verification:
    """Walk entries in sequence order and return the first one that breaks the chain.

    `expect` maps sequence numbers to hashes recorded elsewhere (checkpoints): an entry whose hash
    differs, or a checkpoint beyond the last entry (entries removed from the end), breaks the chain.
    """
    expect = dict(expect or {})
    previous, wanted, checked = start_previous, start_sequence, 0
    last_sequence, last_hash = start_sequence - 1, start_previous
    for entry in entries:
        seq = entry.fields.sequence
        if seq != wanted:
            problem = (f"entry #{wanted} is missing (next is #{seq})" if seq > wanted
                       else f"entry #{seq} is out of order (expected #{wanted})")
            return Verification(False, checked, last_sequence, last_hash, wanted if seq > wanted else seq, problem)
        if entry.previous_hash != previous:
            return Verification(False, checked, last_sequence, last_hash, seq,
                                "its previous-hash does not match the entry before it (removed or reordered)")
        computed = entry_hash(previous, entry.fields)
        if computed != entry.entry_hash:
            return Verification(False, checked, last_sequence, last_hash, seq,
                                "its content does not match its hash (altered)")
        if seq in expect and expect.pop(seq) != computed:
            return Verification(False, checked, last_sequence, last_hash, seq,
                                "its hash differs from the checkpoint recorded for it")
        previous, wanted, checked = computed, seq + 1, checked + 1
        last_sequence, last_hash = seq, computed
    beyond = sorted(s for s in expect if s >= wanted)
    if beyond:
        return Verification(False, checked, last_sequence, last_hash, wanted,
                            f"entries #{wanted}–#{beyond[-1]} were recorded in a checkpoint but are missing")
    return Verification(True, checked, last_sequence, last_hash)
