"""The angle marks drawn on the athlete seen side-on: the trunk's lean against the vertical,
each knee's flexion, and the near arm's swing range over about one stride."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.render.geometry import angle_deg, finite_at, pt, wrap_deg
from formcheck.render.scene import Pose, PoseAnnotator, Scene


def _window_range(values: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Running min and max of `values` over a centred window (NaN ignored; NaN where all NaN)."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    size = max(3, frames)
    lo = minimum_filter1d(np.where(np.isfinite(values), values, np.inf), size, mode="nearest")
    hi = maximum_filter1d(np.where(np.isfinite(values), values, -np.inf), size, mode="nearest")
    ok = np.isfinite(lo) & np.isfinite(hi)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


class TrunkLean(PoseAnnotator):
    """Trunk line against the vertical, an arc between them and the lean angle."""

    def draw(self, frame: np.ndarray, i: int, pose: Pose) -> None:
        s = self.scene
        trunk = pose.trunk()
        if trunk is None:
            return
        hip, sho = trunk
        length = float(np.linalg.norm(sho - hip))
        th = s.sz.line
        top = hip + (0.0, -length * 1.1)
        for k in range(0, 8, 2):  # dashed vertical reference
            a, b = hip + (top - hip) * k / 8, hip + (top - hip) * (k + 1) / 8
            cv2.line(frame, pt(a), pt(b), (255, 255, 255), max(1, th // 2), cv2.LINE_AA)
        colour = s.colour("trunk", i)
        cv2.line(frame, pt(hip), pt(sho), (20, 20, 20), th + 3, cv2.LINE_AA)
        cv2.line(frame, pt(hip), pt(sho), colour, th + 1, cv2.LINE_AA)
        ang = float(angle_deg(sho - hip))
        r = max(8, int(length * 0.45))
        cv2.ellipse(frame, pt(hip), (r, r), 0, -90.0, ang, colour, max(1, th // 2 + 1), cv2.LINE_AA)
        lean = s.value("trunk_lean_deg", i)
        if lean is not None:
            deg = round(abs(lean))
            label = f"lean {deg}° {'fwd' if lean > 0 else 'back'}" if deg else "lean 0°"
            s.glyphs.draw_beside(frame, label, (hip + sho) / 2, -s.facing, length * 0.3)


class KneeFlexion(PoseAnnotator):
    """An arc at each knee spanning its flexion (thigh line continued vs shank); the near knee
    labelled."""

    def draw(self, frame: np.ndarray, i: int, pose: Pose) -> None:
        s = self.scene
        th = max(1, s.sz.line - 1)
        for side in ("left", "right"):
            leg = pose.points(*(L[f"{side.upper()}_{j}"] for j in ("HIP", "KNEE", "ANKLE")))
            if leg is None:
                continue
            ph, pk, pa = leg
            a1 = float(angle_deg(pk - ph))
            delta = float(wrap_deg(angle_deg(pa - pk) - a1))
            r = max(6, int(np.linalg.norm(pa - pk) * 0.3))
            far = s.far(f"{side}_leg")
            colour = s.colour("legs", i, dim=far)
            cv2.ellipse(frame, pt(pk), (r, r), 0, a1, a1 + delta, colour, th, cv2.LINE_AA)
            flex = s.value(f"knee_flexion_{side}_deg", i)
            if not far and flex is not None:
                mid = np.radians(a1 + delta / 2 + 180.0)  # opposite the arc: off the leg
                at = pk + (r * 0.6 + s.sz.small) * np.array([np.cos(mid), np.sin(mid)])
                s.glyphs.draw(
                    frame,
                    f"{flex:.0f}°",
                    int(at[0]),
                    int(at[1]) - s.glyphs.height // 2,
                    centre=True,
                )


class ArmSwing(PoseAnnotator):
    """The near arm's swing range over about one stride, as an arc around the shoulder.

    The range is prepared once: the arm's angle to the trunk, its running min and max over about
    one stride around each frame, and inside a stride that stride's range (as the report's
    stride table)."""

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        p = scene.px
        hip = (p[:, L.LEFT_HIP] + p[:, L.RIGHT_HIP]) / 2
        sho = (p[:, L.LEFT_SHOULDER] + p[:, L.RIGHT_SHOULDER]) / 2
        self.side = scene.near or "left"
        self.shoulder = L[f"{self.side.upper()}_SHOULDER"]
        self.elbow = L[f"{self.side.upper()}_ELBOW"]
        sh, el = p[:, self.shoulder], p[:, self.elbow]
        # The arm's swing relative to the trunk, over about one stride around each frame.
        rel = wrap_deg(angle_deg(el - sh) - angle_deg(hip - sho))
        strides = scene.rep.get("gait", {}).get("strides", [])
        durations = [s["duration_s"] for s in strides if s.get("duration_s")]
        window = round((float(np.median(durations)) if durations else 1.0) * scene.fps)
        lo, hi = _window_range(rel, window)
        for s in strides:  # inside a stride: that stride's range, as the report's stride table
            a, b = s.get("start_frame"), s.get("end_frame")
            seg = rel[a : b + 1] if a is not None and b is not None else rel[:0]
            if np.isfinite(seg).any():
                lo[a : b + 1], hi[a : b + 1] = np.nanmin(seg), np.nanmax(seg)
        self.range = np.stack([lo, hi], axis=1)  # (T, 2) degrees from the trunk's downward line

    def draw(self, frame: np.ndarray, i: int, pose: Pose) -> None:
        s = self.scene
        trunk, arm = pose.trunk(), pose.points(self.shoulder, self.elbow)
        swing = finite_at(self.range, i)
        if trunk is None or arm is None or swing is None:
            return
        (hip, sho), (sh, el), (lo, hi) = trunk, arm, swing
        down = float(angle_deg(hip - sho))
        r = max(8, int(np.linalg.norm(el - sh)))  # through the elbow, like a protractor
        colour = s.colour("arms", i)
        th = max(1, s.sz.line // 2)
        cv2.ellipse(
            frame, pt(sh), (r, r), 0, down + lo, down + hi, (20, 20, 20), th + 2, cv2.LINE_AA
        )
        cv2.ellipse(frame, pt(sh), (r, r), 0, down + lo, down + hi, colour, th, cv2.LINE_AA)
        for end in (lo, hi):
            u = np.array([np.cos(np.radians(down + end)), np.sin(np.radians(down + end))])
            cv2.line(
                frame, pt(sh + u * (r - th * 2)), pt(sh + u * (r + th * 2)), colour, th, cv2.LINE_AA
            )
        trunk_px = float(np.linalg.norm(sho - hip))
        s.glyphs.draw_beside(
            frame, f"arm swing {hi - lo:.0f}°", sho + (0.0, -0.15 * trunk_px), s.facing, trunk_px * 0.25
        )
