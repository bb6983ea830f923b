"""The one seam the recording files go through (chunks as they arrive, assembled files):
Odoo's filestore by default, or an S3-compatible bucket (AWS S3, MinIO, SeaweedFS...).

Settings (ir.config_parameter, system parameters):
  tech_assessment.recording_storage   "file" (default) or "s3"
  tech_assessment.s3_endpoint         e.g. https://s3.eu-west-1.amazonaws.com
  tech_assessment.s3_bucket, tech_assessment.s3_access_key, tech_assessment.s3_secret_key,
  tech_assessment.s3_region           (default us-east-1)

Chunks are working files: each is kept under a key of its stream segment's folder
(`<attempt>/<kind>-<segment>/<sequence>-<sha256 prefix>`: `tech_assessment_chunks/` in the
database's filestore, `<database>/chunks/` in the bucket), referenced by its chunk row only,
with no `ir.attachment` (the hot path of a test day: one file and one row per chunk), and the
folder goes when the segment is assembled for good or purged (with any file a rolled back
upload left there). Odoo's filestore collector never looks into that folder.

Each assembled file has its `ir.attachment` (name, mimetype, checksum, size, the record it
belongs to, the company), so access rights, the chatter and /web/content work as before. In
the bucket, the attachment is of type "url": `url` is `/tech_assessment/recording_object/`
followed by the object's key, a route that checks the reader's right to the attachment, then
redirects to a presigned GET URL of the object: the player reads (and seeks in) the bucket
directly, the bytes never pass through Odoo.

A chunk still comes through Odoo (it authorizes it, numbers it and hashes it): its body is
streamed from the request to the bucket as it is read, hashed on the way and signed with the
hash the browser declared, so that the bucket refuses bytes that do not match it.

Why this seam and not the two ways the issue named (issue 15):
- OCA's `fs_attachment` + `fs_storage` route every `ir.attachment` of the configured models
  through fsspec: the ecosystem's way for whole databases, but it adds fsspec, s3fs and
  aiobotocore to every server, sees only what goes through `ir.attachment`'s own write path
  (our chunks are streamed and renamed into place without it, to read each byte once), and
  buffers S3 multipart blocks in memory. A deployment that already runs it can keep the
  default "file" store here and let it move the rest of the database.
- A presigned PUT from the candidate's browser straight to the bucket takes the bytes off
  Odoo entirely, which is what 1,000 candidates x 2 streams (~250 MB/s) eventually needs; but
  the chunk would then reach the server only as a claim ("I uploaded seq 42 with this hash"):
  the order and idempotency checks, the late-data window and the hash check move to a second
  request per chunk plus a HEAD on the bucket (or bucket notifications), the bucket needs a
  CORS policy for the candidates' origin, and the browser's durable queue gains a step. Since
  chunks stopped being attachments (one file and two statements each), a chunk costs about
  twice Odoo's most trivial authenticated POST end to end (`make bench`), and two prefork
  workers of a 2-core machine take the chunks of hundreds of candidates: for now the bytes
  stay on the authorized path and the bucket takes the storage off the machine (the part
  that outgrows it first); the
  store keeps the seam (`put_chunk`) where a presigned upload would plug in.
"""
import io
import logging
import os
import shutil
import uuid
from contextlib import contextmanager

from .recording_files import (
    COPY_BLOCK,
    ChunkTooLarge,
    HashedBlocks,
    adopt_into_filestore,
    create_file_attachment,
    filestore_temp_dir,
    filestore_temp_path,
    hash_file,
    read_blocks,
    receive_into_file,
    stream_to_filestore,
)
from .s3_client import S3Client, S3Error

_logger = logging.getLogger(__name__)

STORAGE_PARAM = "tech_assessment.recording_storage"
S3_PARAM_PREFIX = "tech_assessment.s3_"
OBJECT_ROUTE = "/tech_assessment/recording_object/"
PRESIGNED_SECONDS = 900
CHUNKS_FOLDER = "tech_assessment_chunks"


class ChunkHashMismatch(Exception):
    """The chunk's bytes are not the ones whose SHA-256 the browser declared."""


def chunk_folder(attempt_id, kind=None, segment=None):
    """The folder (key prefix) of a stream segment's chunks, or of all the attempt's."""
    return f"{attempt_id}/{kind}-{segment}" if kind else str(attempt_id)


def chunk_key(folder, sequence, sha256):
    """A chunk's key: its number and hash, so that a resent chunk lands on its own file."""
    return f"{folder}/{sequence:07d}-{sha256[:16]}"


def recording_store(env):
    """The store the settings choose."""
    params = env["ir.config_parameter"].sudo()
    if params.get_param(STORAGE_PARAM, "file") != "s3":
        return FilestoreStore(env)
    values = {name: params.get_param(S3_PARAM_PREFIX + name) for name in (
        "endpoint", "bucket", "access_key", "secret_key", "region")}
    return S3Store(env, S3Client(values["endpoint"], values["bucket"], values["access_key"],
                                 values["secret_key"], values["region"] or "us-east-1"))


class FilestoreStore:
    """Odoo's filestore, content-addressed like its own attachments (tools/recording_files.py)."""

    def __init__(self, env):
        self.env = env

    def put_stream(self, stream, max_bytes=None, length=None):
        """Store a file object read block by block: (ref, sha1, sha256, size)."""
        return stream_to_filestore(self.env, [stream], max_bytes=max_bytes)

    def put_file(self, path):
        """Store the file `path` made in `filestore_temp_path` (it is moved, not copied)."""
        return adopt_into_filestore(self.env, path)

    def attach(self, stored, values):
        return create_file_attachment(self.env, stored, values)

    @contextmanager
    def local_paths(self, attachments):
        """Paths of the attachments' files on this machine, in order."""
        yield [attachment._full_path(attachment.store_fname) for attachment in attachments]

    def drop(self, attachments):
        attachments.sudo().unlink()

    def read_bytes(self, attachment):
        return attachment.sudo().raw

    # ------------------------------------------------------------------ chunks
    def _chunk_path(self, key):
        return os.path.join(self.env["ir.attachment"]._filestore(), CHUNKS_FOLDER, key)

    def put_chunk(self, stream, folder, sequence, sha256, max_bytes=None, length=None):
        """Read a chunk from `stream` once, hash it once and write it once under its key in
        `folder`: (key, sha256, size). ChunkHashMismatch (nothing kept) when its SHA-256 is
        not `sha256`; ChunkTooLarge past `max_bytes`."""
        directory = self._chunk_path(folder)
        os.makedirs(directory, exist_ok=True)
        path, (digest,), size = receive_into_file([stream], directory, max_bytes)
        if digest != sha256:
            os.unlink(path)
            raise ChunkHashMismatch()
        key = chunk_key(folder, sequence, digest)
        os.replace(path, self._chunk_path(key))  # the same chunk again: the same bytes
        return key, digest, size

    def discard_chunk(self, key):
        """A chunk file no row references (received again under another number or segment)."""
        path = self._chunk_path(key)
        if os.path.exists(path):
            os.unlink(path)

    @contextmanager
    def chunk_paths(self, chunks):
        """Paths of the chunks' files on this machine, in the order of `chunks` (chunks
        received before their own folder existed are attachments)."""
        yield [self._chunk_path(chunk.store_key) if chunk.store_key
               else chunk.attachment_id._full_path(chunk.attachment_id.store_fname)
               for chunk in chunks]

    def drop_chunk_folders(self, folders):
        """Delete the folders of chunks once the transaction is committed."""
        paths = [self._chunk_path(folder) for folder in folders]

        def remove_folders():
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)
        self.env.cr.postcommit.add(remove_folders)


class S3Store(FilestoreStore):
    """An S3-compatible bucket; objects under `<database>/recordings/`."""

    def __init__(self, env, client):
        super().__init__(env)
        self.client = client

    def _new_key(self):
        return f"{self.env.cr.dbname}/recordings/{uuid.uuid4().hex}"

    @staticmethod
    def key_of(attachment):
        url = attachment.url or ""
        return url[len(OBJECT_ROUTE):] if url.startswith(OBJECT_ROUTE) else None

    def put_stream(self, stream, max_bytes=None, length=None):
        if length is None:
            # no Content-Length (a chunked request): the length S3 needs is known once read
            path = filestore_temp_path(self.env)
            with open(path, "wb") as out:
                for block in read_blocks([stream], max_bytes):
                    out.write(block)
            return self.put_file(path)
        if max_bytes is not None and length > max_bytes:
            raise ChunkTooLarge()
        key = self._new_key()
        blocks = HashedBlocks([stream], max_bytes, ("sha1", "sha256"))
        self.client.put(key, blocks, length)
        if blocks.size != length:
            self.client.delete(key)
            raise ChunkTooLarge() if blocks.size > length else ValueError("short body")
        return key, *blocks.hexdigests(), blocks.size

    def put_file(self, path):
        try:
            sha1, sha256, size = hash_file(path)
            key = self._new_key()
            with open(path, "rb") as handle:
                self.client.put(key, iter(lambda: handle.read(COPY_BLOCK), b""), size, sha256=sha256)
            return key, sha1, sha256, size
        finally:
            os.unlink(path)

    def attach(self, stored, values):
        key, checksum, _sha256, size = stored
        attachment = self.env["ir.attachment"].sudo().create(
            dict(values, type="url", url=OBJECT_ROUTE + key))
        self.env.cr.execute("UPDATE ir_attachment SET checksum = %s, file_size = %s WHERE id = %s",
                            (checksum, size, attachment.id))
        attachment.invalidate_recordset(["checksum", "file_size"])
        return attachment

    @contextmanager
    def _downloaded(self, keys):
        """Local copies of the objects `keys`, in order, removed on the way out."""
        paths = []
        try:
            for key in keys:
                path = filestore_temp_path(self.env)
                paths.append(path)
                with open(path, "wb") as handle:
                    self.client.get_into(key, handle)
            yield paths
        finally:
            for path in paths:
                if os.path.exists(path):
                    os.unlink(path)

    def local_paths(self, attachments):
        return self._downloaded([self.key_of(attachment) for attachment in attachments])

    def drop(self, attachments):
        """Unlink the rows now, delete the objects once that is committed (a rolled back
        transaction keeps both)."""
        keys = [key for key in map(self.key_of, attachments.sudo()) if key]
        attachments.sudo().unlink()
        client = self.client

        def delete_objects():
            for key in keys:
                client.delete(key)
        self.env.cr.postcommit.add(delete_objects)

    def read_bytes(self, attachment):
        buffer = io.BytesIO()
        self.client.get_into(self.key_of(attachment), buffer)
        return buffer.getvalue()

    def presigned_url(self, key):
        return self.client.presigned_get(key, PRESIGNED_SECONDS)

    # ------------------------------------------------------------------ chunks
    def _chunk_object(self, key):
        return f"{self.env.cr.dbname}/chunks/{key}"

    def put_chunk(self, stream, folder, sequence, sha256, max_bytes=None, length=None):
        if length is None:
            # no Content-Length (a chunked request): the length S3 needs is known once read
            path, (digest,), size = receive_into_file([stream], filestore_temp_dir(self.env), max_bytes)
            try:
                if digest != sha256:
                    raise ChunkHashMismatch()
                key = chunk_key(folder, sequence, digest)
                with open(path, "rb") as handle:
                    self.client.put(self._chunk_object(key), iter(lambda: handle.read(COPY_BLOCK), b""),
                                    size, sha256=digest)
                return key, digest, size
            finally:
                os.unlink(path)
        if max_bytes is not None and length > max_bytes:
            raise ChunkTooLarge()
        key = chunk_key(folder, sequence, sha256)
        blocks = HashedBlocks([stream], max_bytes)
        try:
            # signed with the declared hash: the bucket refuses other bytes
            self.client.put(self._chunk_object(key), blocks, length, sha256=sha256)
        except S3Error:
            if blocks.size == length and blocks.hexdigests() != [sha256]:
                raise ChunkHashMismatch() from None
            raise
        if blocks.size != length or blocks.hexdigests() != [sha256]:
            # a short body, or a bucket that does not check the hash
            self.client.delete(self._chunk_object(key))
            raise ChunkHashMismatch()
        return key, sha256, blocks.size

    def discard_chunk(self, key):
        self.client.delete(self._chunk_object(key))

    def chunk_paths(self, chunks):
        return self._downloaded([self._chunk_object(chunk.store_key) if chunk.store_key
                                 else self.key_of(chunk.attachment_id) for chunk in chunks])

    def drop_chunk_folders(self, folders):
        prefixes = [self._chunk_object(folder) + "/" for folder in folders]
        client = self.client

        def delete_objects():
            for prefix in prefixes:
                try:
                    for key in client.keys_under(prefix):
                        client.delete(key)
                except S3Error as error:
                    # the objects stay in the bucket (logged); the rows are gone
                    _logger.warning("recording chunks under %s not deleted: %s", prefix, error)
        self.env.cr.postcommit.add(delete_objects)
