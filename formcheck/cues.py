"""Cue definitions (data, from a TOML profile) and how a measured value becomes a band and a score."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from formcheck.errors import ConfigError

DEFAULT_PROFILE = "backward_running.toml"
STATUSES = ("good", "fair", "poor", "not_assessed")


@dataclass(frozen=True)
class CueSpec:
    """One coaching cue: how it is measured and judged. Loaded from the profile TOML."""

    id: str
    title: str
    group: str
    body: str
    unit: str
    good: tuple[float, float]
    fair: tuple[float, float]
    views: tuple[str, ...]
    min_steps: int
    weight: float
    source: str
    meaning: str
    tip_low: str
    tip_high: str
    advisory: bool = False
    running_only: bool = False
    needs_image_travel: bool = False
    min_duration_s: float = 0.0
    not_assessable: str = ""

    def band(self, value: float) -> str:
        """good / fair / poor for a value (advisory cues are never worse than fair)."""
        if self.good[0] <= value <= self.good[1]:
            return "good"
        if self.fair[0] <= value <= self.fair[1] or self.advisory:
            return "fair"
        return "poor"

    def score(self, value: float) -> float:
        """0–100: 100 inside `good`, 100→60 across the fair margin, 60→0 beyond it."""
        lo, hi = self.good
        if lo <= value <= hi:
            return 100.0
        if value < lo:
            dist, margin = lo - value, max(lo - self.fair[0], 1e-9)
        else:
            dist, margin = value - hi, max(self.fair[1] - hi, 1e-9)
        if dist <= margin:
            s = 100.0 - 40.0 * dist / margin
        else:
            s = max(0.0, 60.0 - 60.0 * (dist - margin) / max(margin, 1e-9))
        return max(s, 60.0) if self.advisory else s

    def tip(self, value: float) -> str:
        """The coaching tip for a value below or above the good band."""
        return self.tip_low if value < self.good[0] else self.tip_high


@dataclass(frozen=True)
class Profile:
    """An exercise's cues and general gates."""

    name: str
    min_visibility: float
    cues: tuple[CueSpec, ...]
    path: str

    def cue(self, cue_id: str) -> CueSpec:
        """The cue with this id."""
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)


_FIELDS = {f.name for f in fields(CueSpec)} - {"id"}
_TOP = {"name", "min_visibility", "cues"}


def _check_override(user: dict, known_cues: dict) -> None:
    """Reject unknown keys and cues with a message that lists the valid ones."""
    for key in user:
        if key not in _TOP:
            raise ConfigError(f"unknown key '{key}' — valid keys: {', '.join(sorted(_TOP))}")
    for cue_id, cue in user.get("cues", {}).items():
        if cue_id not in known_cues:
            raise ConfigError(f"unknown cue '{cue_id}' — valid cues: {', '.join(known_cues)}")
        if not isinstance(cue, dict):
            raise ConfigError(f"'cues.{cue_id}' must be a table of settings")
        bad = sorted(set(cue) - _FIELDS)
        if bad:
            raise ConfigError(f"unknown key 'cues.{cue_id}.{bad[0]}' — valid keys: {', '.join(sorted(_FIELDS))}")


def load_profile(path: str | Path | None = None) -> Profile:
    """The built-in backwards-running profile, with the values of `path` (TOML) laid over it.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or names unknown cues or keys.
    """
    text = resources.files("formcheck.profiles").joinpath(DEFAULT_PROFILE).read_text("utf-8")
    data = tomllib.loads(text)
    if path is not None:
        try:
            user = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the profile ({exc.strerror or exc}) — check the path", path) from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the profile is not valid TOML ({exc}) — fix the file", path) from exc
        try:
            _check_override(user, data["cues"])
        except ConfigError as exc:
            raise ConfigError(f"{exc} (in the profile)", path) from None
        for key, value in user.items():
            if key != "cues":
                data[key] = value
        for cue_id, cue in user.get("cues", {}).items():
            data["cues"][cue_id] = {**data["cues"][cue_id], **cue}
    cues = []
    for cue_id, c in data["cues"].items():
        try:
            spec = CueSpec(id=cue_id, **{**c, "good": tuple(c["good"]), "fair": tuple(c["fair"]), "views": tuple(c["views"])})
        except (TypeError, KeyError) as exc:
            raise ConfigError(f"cue '{cue_id}' is incomplete ({exc}) — see the built-in profile", path) from exc
        if not (spec.fair[0] <= spec.good[0] <= spec.good[1] <= spec.fair[1]):
            raise ConfigError(f"cue '{cue_id}': the good band must lie inside the fair band", path)
        cues.append(spec)
    return Profile(
        name=data.get("name", "backward_running"),
        min_visibility=float(data.get("min_visibility", 0.5)),
        cues=tuple(cues),
        path=str(path) if path else "built-in",
    )
