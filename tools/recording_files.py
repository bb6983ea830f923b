"""Streaming recording files into the filestore, block by block, hashed on the way.

A chunk's bytes are read from the request once, hashed once (SHA-256, what the browser
declared) and written once, into a temporary file of the chunk's folder that is then renamed
to its name (`receive_into_file`). The assembled files are Odoo attachments: they are
written the same way and renamed to their content address (SHA-1, the attachment checksum).
"""
import hashlib
import os
import tempfile

COPY_BLOCK = 1024 * 1024


class ChunkTooLarge(Exception):
    pass


def read_blocks(sources, max_bytes=None):
    """The blocks of the file objects `sources`, in order; ChunkTooLarge past `max_bytes`."""
    size = 0
    for source in sources:
        while block := source.read(COPY_BLOCK):
            size += len(block)
            if max_bytes is not None and size > max_bytes:
                raise ChunkTooLarge()
            yield block


class HashedBlocks:
    """The blocks of the file objects `sources` (read_blocks), hashed with `algorithms` and
    counted as they pass: what every copy of a recording file reads its bytes through, so
    that each byte is read and hashed once."""

    def __init__(self, sources, max_bytes=None, algorithms=("sha256",)):
        self.sources = sources
        self.max_bytes = max_bytes
        self.digests = [hashlib.new(name) for name in algorithms]
        self.size = 0

    def __iter__(self):
        for block in read_blocks(self.sources, self.max_bytes):
            self.size += len(block)
            for digest in self.digests:
                digest.update(block)
            yield block

    def hexdigests(self):
        return [digest.hexdigest() for digest in self.digests]


def receive_into_file(sources, directory, max_bytes=None, algorithms=("sha256",)):
    """Read the file objects `sources` once, hash them once and write them once into a new
    file of `directory`: (path, [hex digest per algorithm], size). The file is removed on any
    error."""
    blocks = HashedBlocks(sources, max_bytes, algorithms)
    fd, path = tempfile.mkstemp(dir=directory, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in blocks:
                out.write(block)
    except BaseException:
        os.unlink(path)
        raise
    return path, blocks.hexdigests(), blocks.size


def filestore_temp_dir(env):
    """The filestore's folder for temporary files (same file system: renamed, never copied)."""
    tmp_dir = env["ir.attachment"].sudo()._full_path("tech_assessment_tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    return tmp_dir


def filestore_temp_path(env):
    """A new temporary file in the filestore (same file system: renamed, never copied)."""
    fd, tmp_path = tempfile.mkstemp(dir=filestore_temp_dir(env))
    os.close(fd)
    return tmp_path


def adopt_into_filestore(env, tmp_path):
    """Hash the file `tmp_path` (of `filestore_temp_path`) and rename it to its content
    address. Returns (store_fname, sha1, sha256, size) like `stream_to_filestore`."""
    sha1, sha256, size = hash_file(tmp_path)
    return _move_to_address(env, tmp_path, sha1), sha1, sha256, size


def hash_file(path):
    """(sha1, sha256, size) of the file `path`, read once."""
    with open(path, "rb") as handle:
        blocks = HashedBlocks([handle], algorithms=("sha1", "sha256"))
        for _block in blocks:
            pass
    return *blocks.hexdigests(), blocks.size


def _move_to_address(env, tmp_path, checksum):
    attachments = env["ir.attachment"].sudo()
    fname = f"{checksum[:2]}/{checksum}"
    full_path = attachments._full_path(fname)
    os.makedirs(os.path.dirname(full_path), exist_ok=True)
    if os.path.exists(full_path):
        os.unlink(tmp_path)  # same content already stored: share it
    else:
        os.replace(tmp_path, full_path)
    # if the transaction aborts, the collector removes the unreferenced file
    attachments._mark_for_gc(fname)
    return fname


def stream_to_filestore(env, sources, max_bytes=None):
    """Copy the file objects `sources`, in order, into the filestore, block by block.

    Returns (store_fname, sha1, sha256, size). The file is content-addressed like Odoo's
    own attachments and marked for the garbage collector until a row references it."""
    tmp_path, (sha1, sha256), size = receive_into_file(
        sources, filestore_temp_dir(env), max_bytes, ("sha1", "sha256"))
    try:
        fname = _move_to_address(env, tmp_path, sha1)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return fname, sha1, sha256, size


def create_file_attachment(env, stored, values):
    """An ir.attachment pointing at a file `stream_to_filestore` wrote."""
    fname, checksum, _sha256, size = stored
    attachments = env["ir.attachment"].sudo()
    if attachments._storage() != "file":
        # database storage configured: no way around loading the bytes once
        with open(attachments._full_path(fname), "rb") as handle:
            return attachments.create(dict(values, raw=handle.read()))
    attachment = attachments.create(dict(values, type="binary"))
    # create() ignores store_fname/checksum/file_size: set them directly
    env.cr.execute(
        "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s WHERE id = %s",
        (fname, checksum, size, attachment.id),
    )
    attachment.invalidate_recordset(["store_fname", "checksum", "file_size", "datas", "raw"])
    return attachment
