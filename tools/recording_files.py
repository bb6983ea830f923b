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


def sha256_of(stream, max_bytes=None):
    """SHA-256 (hex) of a file object, read block by block."""
    digest = hashlib.sha256()
    for block in read_blocks([stream], max_bytes):
        digest.update(block)
    return digest.hexdigest()


def receive_into_file(sources, directory, max_bytes=None):
    """Read the file objects `sources` once, hash them once (SHA-256) and write them once into
    a new file of `directory`: (path, sha256, size). The file is removed on any error."""
    digest, size = hashlib.sha256(), 0
    fd, path = tempfile.mkstemp(dir=directory, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in read_blocks(sources, max_bytes):
                size += len(block)
                digest.update(block)
                out.write(block)
    except BaseException:
        os.unlink(path)
        raise
    return path, digest.hexdigest(), size


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
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0
    with open(tmp_path, "rb") as handle:
        for block in read_blocks([handle]):
            size += len(block)
            sha1.update(block)
            sha256.update(block)
    return _move_to_address(env, tmp_path, sha1.hexdigest()), sha1.hexdigest(), sha256.hexdigest(), size


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
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0
    tmp_path = filestore_temp_path(env)
    try:
        with open(tmp_path, "wb") as out:
            for block in read_blocks(sources, max_bytes):
                size += len(block)
                sha1.update(block)
                sha256.update(block)
                out.write(block)
        checksum = sha1.hexdigest()
        fname = _move_to_address(env, tmp_path, checksum)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return fname, checksum, sha256.hexdigest(), size


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
