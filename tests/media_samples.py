"""Real media for the recording tests: a live WebM as Chrome's MediaRecorder writes it (VP8
and Opus, no duration, no cues), encoded with PyAV, and cut into chunks."""
import io

import av

WIDTH, HEIGHT, FPS = 64, 48, 10
AUDIO_RATE, AUDIO_FRAME = 48000, 960


def live_webm(seconds, seed=0):
    """A WebM of `seconds` written as a live stream (the muxer's `live` option: no cues,
    no duration, as MediaRecorder's), a keyframe every 2 s."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm", options={"live": "1"}) as out:
        video = out.add_stream("libvpx", rate=FPS, options={"g": str(2 * FPS)})
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = out.add_stream("libopus", rate=AUDIO_RATE, layout="mono")
        for index in range(seconds * FPS):
            frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(seed * 31 + index * 7) % 255]) * plane.buffer_size)
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for index in range(seconds * AUDIO_RATE // AUDIO_FRAME):
            frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME)
            frame.planes[0].update(bytes(frame.planes[0].buffer_size))
            frame.sample_rate, frame.pts = AUDIO_RATE, index * AUDIO_FRAME
            out.mux(audio.encode(frame))
        out.mux(audio.encode())
    return buffer.getvalue()


def cut(data, parts):
    """The bytes cut in `parts` chunks, as a recorder's timeslices cut its stream."""
    size = -(-len(data) // parts)
    return [data[i:i + size] for i in range(0, len(data), size)]
