"""The overall score and grade over the cues, and when a clip is not graded."""

from __future__ import annotations

import numpy as np

GRADES = ((85, "A"), (70, "B"), (55, "C"), (40, "D"), (0, "E"))

#: The cues an overall grade cannot do without (the exercise's headline cues), and how many cues
#: in all must have been assessed for a grade.
HEADLINE_CUES = ("upright_posture", "forward_lean", "core_stability", "arm_swing")
MIN_GRADED_CUES = 5


def _overall(cues: list[dict]) -> dict:
    scored = [c for c in cues if c["score"] is not None and c["weight"] > 0]
    assessed = [c["id"] for c in cues if c["band"] != "not_assessed"]
    missing = [c["id"] for c in cues if c["band"] == "not_assessed"]
    if not scored:
        return {"score": None, "grade": None, "summary": "Not enough of the movement was visible to score the form.",
                "focus": [], "assessed": assessed, "not_assessed": missing, "graded": False}  # fmt: skip
    # A grade stands for the form: only when the headline cues and enough of the rest were seen.
    lacking = [c for c in cues if c["id"] in HEADLINE_CUES and c["band"] == "not_assessed"]
    if lacking or len(assessed) < MIN_GRADED_CUES:
        reasons = sorted({c["reason"] for c in cues if c["band"] == "not_assessed" and c.get("reason")},
                         key=lambda r: -sum(c.get("reason") == r for c in cues))  # fmt: skip
        what = ", ".join(c["title"].lower() for c in lacking) if lacking else f"only {len(assessed)} of {len(cues)} cues"
        summary = f"Not graded: {what} could not be assessed"
        if reasons:
            summary += f" ({reasons[0]})"
        return {"score": None, "grade": None, "summary": summary + ".", "focus": [], "assessed": assessed,
                "not_assessed": missing, "graded": False,
                "not_graded_because": [c["id"] for c in lacking] or ["too_few_cues"]}  # fmt: skip
    w = np.array([c["weight"] * (0.5 if c["advisory"] else 1.0) * max(c["confidence"], 0.3) for c in scored])
    score = float((w * np.array([c["score"] for c in scored])).sum() / w.sum())
    grade = next(g for lim, g in GRADES if score >= lim)
    todo = sorted((c for c in scored if c["band"] != "good"), key=lambda c: (c["score"], -c["weight"]))
    good = [c["title"].lower() for c in scored if c["band"] == "good"]
    parts = [f"Overall {score:.0f}/100 ({grade})"]
    if good:
        parts.append("Good: " + "; ".join(good[:3]))
    if todo:
        parts.append("Work on: " + "; ".join(c["title"].lower() for c in todo[:3]))
    return {
        "score": round(score, 1),
        "grade": grade,
        "summary": ". ".join(parts) + ".",
        "focus": [c["id"] for c in todo[:3]],
        "assessed": assessed,
        "not_assessed": missing,
        "graded": True,
    }
