"""Files the public sends us (an agent's authorization, attachments to a reply): judged by their first
bytes and their size, never by their name or the content type the browser claims."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# File type → the bytes a real file of that type starts with.
SIGNATURES: Mapping[str, bytes] = MappingProxyType({
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
})
CONTENT_TYPES: Mapping[str, str] = MappingProxyType({
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
})


class UploadRejected(ValueError):
    """The file is empty, too large or not a PDF, PNG or JPEG (`reason`); the message says so in plain words."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def upload_kind(upload: UploadedFile, *, max_bytes: int) -> str:
    """Return "pdf", "png" or "jpg" judged by the file's first bytes, or raise UploadRejected."""
    if not upload.size:
        raise UploadRejected(_("The file is empty."), reason="empty")
    if upload.size > max_bytes:
        raise UploadRejected(_("The file is %(size).1f MB; the limit is %(limit)d MB.") % {
            "size": upload.size / (1024 * 1024), "limit": max_bytes // (1024 * 1024)}, reason="size")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind, magic in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    raise UploadRejected(_("This file is not a PDF, PNG or JPEG, whatever its name says."), reason="type")
