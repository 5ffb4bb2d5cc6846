"""Files at rest under MEDIA_ROOT hold no personal data in clear.

An uploaded import file (people, departmental data) is kept only until its job has run, and only
encrypted with the data key (AES-GCM, `core.crypto`); the job reads it into memory and deletes it
once the import has finished, so what remains is the name, size and SHA-256 of the file and the
row report (in the job's result and the import's audit event). A file that must stay (a case
document such as an ID card scan, evidence attached to a target report) is written through
`EncryptedStorage`, so it is ciphertext on disk and plaintext only in the response that serves it.
Files stored before encryption was introduced are still read (they have no magic header).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from . import crypto


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    size: int  # of the file as uploaded (plaintext)
    sha256: str  # of the file as uploaded

    def as_params(self) -> dict:
        return {"path": str(self.path), "size": self.size, "sha256": self.sha256}


def _bytes_of(uploaded) -> bytes:
    if isinstance(uploaded, bytes | bytearray):
        return bytes(uploaded)
    if isinstance(uploaded, str | Path):
        return Path(uploaded).read_bytes()
    if hasattr(uploaded, "chunks"):
        return b"".join(uploaded.chunks())
    return uploaded.read()


def store(uploaded, *, folder: str) -> StoredUpload:
    """Keep an upload (bytes, a path, or a Django UploadedFile) encrypted under MEDIA_ROOT/folder,
    under a random name (the uploaded name may carry a person's name)."""
    data = _bytes_of(uploaded)
    target = Path(settings.MEDIA_ROOT) / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid.uuid4().hex}.enc"
    partial = path.with_suffix(".tmp")
    partial.write_bytes(crypto.encrypt_bytes(data))
    partial.replace(path)
    return StoredUpload(path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest())


class UploadGone(Exception):
    """The stored upload was deleted when its import finished; the message is shown on the job page."""


def read(path: Path | str) -> bytes:
    """The plaintext of a stored upload (an unencrypted file left by an older version as it is)."""
    try:
        blob = Path(path).read_bytes()
    except FileNotFoundError:
        raise UploadGone(_("上传的文件不存在（导入结束时即已删除），请重新上传文件")) from None
    return crypto.decrypt_bytes(blob) if crypto.is_encrypted_file(blob) else blob


def discard(path: Path | str) -> None:
    """Delete a stored upload once its import has finished."""
    Path(path).unlink(missing_ok=True)


@deconstructible(path="minzheng.core.uploads.EncryptedStorage")
class EncryptedStorage(FileSystemStorage):
    """MEDIA_ROOT storage whose files are encrypted with the data key."""

    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(crypto.encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        with super()._open(name, "rb") as fh:
            blob = fh.read()
        data = crypto.decrypt_bytes(blob) if crypto.is_encrypted_file(blob) else blob
        return ContentFile(data, name=name)

    def size(self, name):
        stored = super().size(name)
        with super()._open(name, "rb") as fh:
            encrypted = crypto.is_encrypted_file(fh.read(len(crypto.FILE_MAGIC)))
        return stored - crypto.FILE_OVERHEAD if encrypted else stored


def encrypted_storage() -> EncryptedStorage:
    return EncryptedStorage()


def encrypt_existing(paths) -> int:
    """Encrypt in place the files written before encryption (migrations call this); files already
    encrypted and missing files are left alone. Returns how many were encrypted."""
    done = 0
    for path in paths:
        path = Path(settings.MEDIA_ROOT) / path
        if not path.is_file():
            continue
        blob = path.read_bytes()
        if crypto.is_encrypted_file(blob):
            continue
        partial = path.with_name(path.name + ".tmp")
        partial.write_bytes(crypto.encrypt_bytes(blob))
        partial.replace(path)
        done += 1
    return done
