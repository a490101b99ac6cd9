"""Cue definitions (data, from a TOML profile) and how measured values become bands and scores.

A cue (e.g. `arm_swing`) is measured by components (amplitude, elbow, arm–leg phase). Each
component has its own bands; the cue's band is the worst band of its assessed components
(advisory components can lower it to fair at most), its score the weighted mean of theirs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from formcheck.errors import ConfigError

DEFAULT_PROFILE = "backward_running.toml"
BANDS = ("good", "fair", "poor", "not_assessed")
_RANK = {"good": 0, "fair": 1, "poor": 2}


@dataclass(frozen=True)
class ComponentSpec:
    """One measured quantity of a cue, with its bands."""

    id: str
    unit: str
    good: tuple[float, float]
    fair: tuple[float, float]
    views: tuple[str, ...]
    source: str
    meaning: str
    min_steps: int = 0
    weight: float = 1.0
    advisory: bool = False
    running_only: bool = False
    needs_image_travel: bool = False
    needs_start: bool = False
    real_time: bool = False  # a rate or a duration: meaningless on slowed playback
    min_duration_s: float = 0.0

    def band(self, value: float) -> str:
        """good / fair / poor for a value (advisory components are never worse than fair)."""
        if self.good[0] <= value <= self.good[1]:
            return "good"
        if self.fair[0] <= value <= self.fair[1] or self.advisory:
            return "fair"
        return "poor"

    def score(self, value: float) -> float:
        """0–100: 100 inside `good`, 100→60 across the fair margin, 60→0 as far again beyond it."""
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
            s = max(0.0, 60.0 - 60.0 * (dist - margin) / margin)
        return max(s, 60.0) if self.advisory else s


@dataclass(frozen=True)
class CueSpec:
    """One coaching cue."""

    id: str
    title: str
    body: str  # head | trunk | arms | legs: the skeleton part coloured by this cue
    weight: float
    tip_low: str
    tip_high: str
    components: tuple[ComponentSpec, ...]

    def component(self, comp_id: str) -> ComponentSpec:
        """The component with this id."""
        for c in self.components:
            if c.id == comp_id:
                return c
        raise KeyError(comp_id)

    def tip(self, comp: ComponentSpec, value: float) -> str:
        """The coaching tip for a component value below or above its good band."""
        return self.tip_low if value < comp.good[0] else self.tip_high


@dataclass(frozen=True)
class Profile:
    """An exercise's cues and general gates."""

    name: str
    min_visibility: float
    hysteresis_s: float
    cues: tuple[CueSpec, ...]
    path: str

    def cue(self, cue_id: str) -> CueSpec:
        """The cue with this id."""
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)


def worst(bands: list[str]) -> str:
    """The worst of some good/fair/poor bands."""
    return max(bands, key=_RANK.__getitem__)


_COMP_FIELDS = {f.name for f in fields(ComponentSpec)} - {"id"}
_CUE_FIELDS = {f.name for f in fields(CueSpec)} - {"id"}
_TOP = {"name", "min_visibility", "hysteresis_s", "cues"}


def _unknown(kind: str, key: str, valid: set[str] | list[str]) -> ConfigError:
    return ConfigError(f"unknown {kind} '{key}' — valid: {', '.join(sorted(valid))}")


def _overlay(base: dict, user: dict) -> None:
    """Lay the user's profile over the built-in one, in place; unknown names are errors."""
    for key, value in user.items():
        if key not in _TOP:
            raise _unknown("key", key, _TOP)
        if key != "cues":
            base[key] = value
    for cue_id, cue in user.get("cues", {}).items():
        if cue_id not in base["cues"]:
            raise _unknown("cue", cue_id, list(base["cues"]))
        for key, value in cue.items():
            if key not in _CUE_FIELDS:
                raise _unknown("key", f"cues.{cue_id}.{key}", _CUE_FIELDS)
            if key != "components":
                base["cues"][cue_id][key] = value
                continue
            comps = base["cues"][cue_id]["components"]
            for comp_id, comp in value.items():
                if comp_id not in comps:
                    raise _unknown("component", f"cues.{cue_id}.components.{comp_id}", list(comps))
                bad = sorted(set(comp) - _COMP_FIELDS)
                if bad:
                    raise _unknown("key", f"cues.{cue_id}.components.{comp_id}.{bad[0]}", _COMP_FIELDS)
                comps[comp_id].update(comp)


def _component(cid: str, data: dict, where: str) -> ComponentSpec:
    try:
        spec = ComponentSpec(
            id=cid,
            **{**data, "good": tuple(map(float, data["good"])), "fair": tuple(map(float, data["fair"])), "views": tuple(data["views"])},
        )
    except (TypeError, KeyError, ValueError) as exc:
        raise ConfigError(f"{where} is incomplete or invalid ({exc}) — see the built-in profile") from exc
    if not (spec.fair[0] <= spec.good[0] <= spec.good[1] <= spec.fair[1]):
        raise ConfigError(f"{where}: the good band must lie inside the fair band")
    return spec


def load_profile(path: str | Path | None = None) -> Profile:
    """The built-in backwards-running profile, with the values of `path` (TOML) laid over it.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or names unknown cues or keys.
    """
    data = tomllib.loads(resources.files("formcheck.profiles").joinpath(DEFAULT_PROFILE).read_text("utf-8"))
    if path is not None:
        try:
            user = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the profile ({exc.strerror or exc}) — check the path", path) from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the profile is not valid TOML ({exc}) — fix the file", path) from exc
        try:
            _overlay(data, user)
        except (ConfigError, AttributeError, TypeError) as exc:
            raise ConfigError(f"{exc} (in the profile)", path) from None
    cues = []
    try:
        for cue_id, c in data["cues"].items():
            comps = tuple(_component(k, v, f"cues.{cue_id}.components.{k}") for k, v in c["components"].items())
            cues.append(CueSpec(id=cue_id, **{**c, "components": comps}))
    except ConfigError as exc:
        raise ConfigError(str(exc), path) from None
    except (TypeError, KeyError) as exc:
        raise ConfigError(f"a cue is incomplete ({exc}) — see the built-in profile", path) from exc
    return Profile(
        name=str(data.get("name", "backward_running")),
        min_visibility=float(data.get("min_visibility", 0.5)),
        hysteresis_s=float(data.get("hysteresis_s", 1.0)),
        cues=tuple(cues),
        path=str(path) if path else "built-in",
    )


class CueHysteresis:
    """The band shown for each cue: it changes only after the new band has held `hold_s`.

    The live view feeds it every scored window, so feedback does not flicker. A cue starts as
    "not_assessed", so even its first band must hold before it is shown.

    Example:
        h = CueHysteresis(1.0)
        changes = h.update({"cadence": "fair"}, t_s=12.3)   # [(t_s, cue_id, band), ...]
        h.shown["cadence"]
    """

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.shown: dict[str, str] = {}
        self._pending: dict[str, tuple[str, float]] = {}

    def update(self, bands: Mapping[str, str], t_s: float) -> list[tuple[float, str, str]]:
        """Feed the bands scored at time `t_s`; returns the changes of the shown bands."""
        changes = []
        for cue_id, band in bands.items():
            if band == self.shown.get(cue_id, "not_assessed"):
                self._pending.pop(cue_id, None)
                continue
            pending, since = self._pending.get(cue_id, (None, t_s))
            if pending != band:
                self._pending[cue_id] = (band, t_s)
                since = t_s
            if t_s - since >= self.hold_s:
                self.shown[cue_id] = band
                self._pending.pop(cue_id, None)
                changes.append((t_s, cue_id, band))
        return changes
