"""Video in and out: probe a file, stream its frames upright with true timestamps, write H.264.

Decoding uses PyAV (FFmpeg), so any container and codec FFmpeg reads works, and every frame keeps
its presentation timestamp (phones record variable frame rate). Rotation metadata is applied.
Frames are streamed, never held all in memory. `VideoSink` writes H.264 (yuv420p, +faststart),
which plays in browsers and on phones; OpenCV's own writer cannot make H.264 here.

The source side, from the file to the pictures:

    container.py  opening a file (and why one cannot be read); `probe`, its facts
    reader.py     `read_frames`: every frame in order, from the start or from a cut; `DecodeStats`
    cuts.py       `find_cut`, `Cut`: where a clip splits for two readers side by side
    seek.py       `frames_at`: chosen frames by their time
    image.py      a decoded frame as an upright RGB or BGR array (`to_image`)
    size.py       `fit_size`: a size scaled down to a limit; `sizes_of_width`: those of a given width

The sink side:

    sink.py       `VideoSink`: frames to an H.264 MP4
"""

from formcheck.video.container import probe
from formcheck.video.cuts import Cut, find_cut
from formcheck.video.image import to_image
from formcheck.video.reader import DecodeStats, read_frames
from formcheck.video.seek import frames_at
from formcheck.video.sink import VideoSink
from formcheck.video.size import fit_size, sizes_of_width

__all__ = ["Cut", "DecodeStats", "VideoSink", "find_cut", "fit_size", "frames_at", "probe", "read_frames", "sizes_of_width", "to_image"]
