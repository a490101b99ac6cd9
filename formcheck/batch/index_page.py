"""index.html: the batch's page for people, athlete by athlete (score over sessions, what to work
on) and the faults most common across the squad."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from urllib.parse import quote

from formcheck import __version__


def _chart(rows: list[dict], width: int = 300, height: int = 110) -> dict:
    """An athlete's overall score over sessions as SVG coordinates (x by date, y 0-100)."""
    pts = [r for r in rows if r.get("overall_score") is not None and r["session_date"]]
    stamps = [datetime.fromisoformat(r["session_date"].replace("Z", "+00:00")).timestamp() for r in pts]
    left, right, top, bottom = 34, width - 10, 8, height - 22
    span = (max(stamps) - min(stamps)) if stamps else 0
    points = []
    for i, (r, t) in enumerate(zip(pts, stamps, strict=True)):
        frac = (t - min(stamps)) / span if span else ((i + 0.5) / len(pts))
        x = left + frac * (right - left)
        y = bottom - r["overall_score"] / 100 * (bottom - top)
        points.append({"x": round(x, 1), "y": round(y, 1), "score": r["overall_score"], "date": r["session_date"][:10], "path": r["path"]})
    grid = [{"y": round(bottom - v / 100 * (bottom - top), 1), "label": v} for v in (0, 50, 100)]
    first, last = (pts[0]["session_date"][:10], pts[-1]["session_date"][:10]) if pts else ("", "")
    return {"width": width, "height": height, "left": left, "right": right, "bottom": bottom, "grid": grid,
            "points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in points), "first": first, "last": last}  # fmt: skip


def _faults(rows: list[dict], titles: dict[str, str], limit: int) -> list[dict]:
    """Cues most often fair or poor in these clips, worst first."""
    out = []
    for cid, title in titles.items():
        states = [(r["athlete"], r["_cues"][cid][1]) for r in rows if cid in r["_cues"]]
        poor = sum(s == "poor" for _, s in states)
        fair = sum(s == "fair" for _, s in states)
        assessed = sum(s != "not_assessed" for _, s in states)
        if poor + fair:
            who = sorted({a or "(no athlete)" for a, s in states if s in ("fair", "poor")})
            out.append({"id": cid, "title": title, "poor": poor, "fair": fair, "assessed": assessed, "athletes": who})
    return sorted(out, key=lambda f: (-(f["poor"] + f["fair"]), -f["poor"], f["title"]))[:limit]


def render_index(rows: list[dict], titles: dict[str, str]) -> str:
    """index.html: one self-contained page (inline CSS, JS and SVG); file names are escaped."""
    from jinja2 import Environment, select_autoescape

    groups = {}
    for row in sorted(rows, key=lambda r: (r["athlete"] == "", r["athlete"].lower(), r["session_date"], r["path"])):
        row["href"] = quote(row["report"]) if row.get("report") else None
        row["note"] = row["error"].removeprefix(f"{row['path']}: ")
        groups.setdefault(row["athlete"], []).append(row)
    athletes = []
    for name, members in groups.items():
        ok = [r for r in members if r["status"] == "ok"]
        scores = [r["overall_score"] for r in ok if r.get("overall_score") is not None]
        athletes.append({
            "name": name or "(no athlete)", "named": bool(name), "rows": members, "ok": len(ok), "chart": _chart(ok),
            "latest": scores[-1] if scores else None, "best": max(scores) if scores else None,
            "focus": [f["title"] for f in _faults(ok, titles, 2)],
        })  # fmt: skip
    ok_rows = [r for r in rows if r["status"] == "ok"]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "skipped")}
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(resources.files("formcheck").joinpath("templates/batch_index.html").read_text("utf-8"))
    short = {cid: cid.replace("_", " ") for cid in titles}
    return template.render(
        athletes=athletes, counts=counts, total=len(rows), faults=_faults(ok_rows, titles, 6),
        clips_scored=len(ok_rows), cues=[(c, titles[c], short[c]) for c in titles], version=__version__,
    )  # fmt: skip
