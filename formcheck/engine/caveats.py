"""The report's warnings (what limits the analysis of this clip) and, for slowed playback, the
timings estimated at a real-time cadence."""

from __future__ import annotations

from formcheck import camera
from formcheck.engine.values import _dir, _r
from formcheck.gait import Gait


def _warnings(g: Gait, coverage: float, fps: float, vis: float, decode: dict, subject: dict, cam: camera.CameraSummary) -> list[str]:
    w = []
    damaged = decode.get("damaged_packets", 0)
    if coverage < 0.9:
        w.append(f"A person was detected in only {coverage:.0%} of frames; keep the whole body in view.")
    if fps < 50:
        w.append(f"The clip is {fps:.0f} fps; 60 fps or more measures angles and foot contacts better.")
    if vis < 0.6:
        w.append(f"Mean landmark visibility is {vis:.2f}; film closer, in better light, with fitted clothing.")
    if g.view != "side":
        w.append(f"The camera sees the athlete from the {g.view}; film side-on for the posture and stride cues.")
    if cam.label in ("panning", "following"):
        w.append(f"The camera was {cam.label} (the background moved): travel was measured against the background, not the picture.")
    if len(cam.shots) > 1:
        cuts = ", ".join(f"{shot['start_s']:.1f}" for shot in cam.shots[1:])
        w.append(f"The clip has {len(cam.shots)} shots (cuts at {cuts} s).")
    if g.travel_source == "body":
        w.append(f"A treadmill (the hips stay in place while the legs cycle): the direction of travel was taken from the "
                 f"planted feet, which the belt carries {_dir(-g.travel)}.")
    if g.slow_motion_suspected:
        w.append(f"The cadence is {g.cadence_spm:.0f} steps/min, below any real-time running or walking: the clip is "
                 "probably slowed playback. Cadence and contact time are in clip time; the duty factor and angles are unaffected.")
    if g.cadence_check.get("note"):
        w.append(f"Cadence: {g.cadence_check['note']}.")
    if g.facing == 0:
        w.append("The facing direction could not be determined.")
    if damaged:
        w.append(f"{damaged} damaged packet(s) in the file were skipped; the frames around them may be missing or blurred.")
    if decode.get("frames_expected") and decode.get("frames_decoded", 0) < 0.98 * decode["frames_expected"]:
        w.append(
            f"Only {decode['frames_decoded']} of the {decode['frames_expected']} frames the file announces could be "
            "decoded (a cut-off or damaged file); the analysis covers what was readable."
        )
    if subject.get("people_max", 1) > 1:
        w.append(
            f"Up to {subject['people_max']} people were in view; the athlete was chosen as the one who covered "
            "the most ground (across the frame, or toward or away from the camera) with the most leg motion."
        )
    if g.movement not in ("backward_running", "backward_walking"):
        w.append(f"This clip looks like {g.movement.replace('_', ' ')}, not backwards running; the cues are scored for backwards running.")
    return w


#: Cadence the slowed-playback estimate assumes (recreational running, reference §1a: 171 ± 8).
ASSUMED_RUN_CADENCE_SPM = 170.0


def _real_time_estimate(g: Gait) -> dict | None:
    """For a clip whose cadence no human runs or walks at in real time (slowed playback): what the
    timings would be if the athlete ran at a typical cadence — an estimate, labelled as such.
    The duty factor is a ratio and needs no correction."""
    if not g.slow_motion_suspected or not g.cadence_spm or g.locomotion != "running":
        return None
    factor = ASSUMED_RUN_CADENCE_SPM / g.cadence_spm
    return {
        "assumed_cadence_spm": ASSUMED_RUN_CADENCE_SPM,
        "slow_motion_factor": round(factor, 1),
        # From the duty factor (a ratio, the same at any playback speed) and the assumed stride.
        "contact_time_s": _r(g.duty_factor * 120.0 / ASSUMED_RUN_CADENCE_SPM, 3) if g.duty_factor else None,
        "note": f"the clip's cadence ({g.cadence_spm:.0f} steps/min) is below any real-time gait: it is "
                f"probably slowed playback; timings here assume {ASSUMED_RUN_CADENCE_SPM:.0f} steps/min",
    }
