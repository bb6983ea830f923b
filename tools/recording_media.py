"""Remuxing a stream segment's chunks into a seekable file, through PyAV (FFmpeg's libraries,
bundled in PyAV's wheels): the packets are copied as they are (FFmpeg's `-c copy`, no
re-encoding), and the muxer, writing to a real file, adds what MediaRecorder's live WebM
lacks: the duration, and cues (the index a player seeks with).

The chunks of a segment, concatenated in sequence order, are one live WebM (the first chunk
carries the header); they are read through `ConcatenatedFiles` without being copied first.
"""
import io
import logging

_logger = logging.getLogger(__name__)

try:
    import av
except ImportError:  # `make setup` installs it (requirements.txt); without it, no remux
    av = None


class RemuxError(Exception):
    """The chunks are not a stream FFmpeg can read (or PyAV is missing)."""


class ConcatenatedFiles(io.RawIOBase):
    """The files `paths`, in order, read as one forward-only stream."""

    def __init__(self, paths):
        super().__init__()
        self._paths = list(paths)
        self._handle = None

    def readable(self):
        return True

    def readinto(self, buffer):
        while True:
            if self._handle is None:
                if not self._paths:
                    return 0
                self._handle = open(self._paths.pop(0), "rb")  # noqa: SIM115 closed below
            count = self._handle.readinto(buffer)
            if count:
                return count
            self._handle.close()
            self._handle = None

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        return super().close()


def remux(paths, out_path, container_format="webm"):
    """Copy the packets of the live stream made of the files `paths` into `out_path`.

    The timestamps are shifted so that the file starts at 0. Packets after a damaged
    stretch (a chunk that never arrived) are kept when the demuxer resynchronises.

    :return: the duration in seconds of what was written
    :raise RemuxError: nothing readable (not a media stream, or PyAV not installed)
    """
    if av is None:
        raise RemuxError("PyAV is not installed")
    source = ConcatenatedFiles(paths)
    try:
        try:
            src = av.open(source, "r", format="matroska" if container_format == "webm" else None)
        except (av.error.FFmpegError, ValueError) as error:
            raise RemuxError(str(error)) from error
        with src:
            return _copy_packets(src, out_path, container_format)
    finally:
        source.close()


def _copy_packets(src, out_path, container_format):
    streams = [stream for stream in src.streams if stream.type in ("video", "audio")]
    if not streams:
        raise RemuxError("no audio or video stream")
    written, origin, end = 0, None, 0.0
    with av.open(out_path, "w", format=container_format) as dst:
        outputs = {stream.index: dst.add_stream_from_template(stream) for stream in streams}
        try:
            for packet in src.demux(streams):
                if packet.dts is None or packet.pts is None:
                    continue  # the demuxer's end-of-stream marker
                seconds = float(packet.pts * packet.time_base)
                if origin is None:
                    origin = seconds
                shift = int(round(origin / packet.time_base))
                packet.pts -= shift
                packet.dts -= shift
                end = max(end, seconds - origin + float((packet.duration or 0) * packet.time_base))
                packet.stream = outputs[packet.stream.index]
                dst.mux(packet)
                written += 1
        except av.error.FFmpegError as error:
            # a truncated or damaged tail: what came before it is kept
            _logger.info("recording remux stopped early: %s", error)
        if not written:
            raise RemuxError("no packet could be read")
    return end


def probe(path):
    """What a player learns from the file's header: duration (s, None when unknown) and
    the number of seek points (cues) per stream type."""
    if av is None:
        raise RemuxError("PyAV is not installed")
    with av.open(path) as container:
        duration = container.duration / 1e6 if container.duration else None
        cues = {stream.type: len(stream.index_entries) for stream in container.streams}
    return {"duration": duration, "cues": cues}
