"""Settings profiles: which defaults the launchpad (and a plain Materialize click) uses.

The asset configs' own defaults are the papers' (200K recall seeds, 2,048 new tokens, Mistral-7B
as the comparison base...). A profile overlays other defaults on every asset's config schema,
so that what the UI launches matches a scale:

- `paper` (the default when `MAMMOTH_PROFILE` is unset): the config classes' own defaults.
- `sample`: the settings `make demo` uses on the bundled sample dump with the tiny offline
  model, i.e. every domain's `demo_run_config()`. `make demo` and `make ui` select it.
- a path to a YAML file: run config (`ops: {asset: {config: {...}}}`) read as defaults, for a
  deployment's own scale.

Only defaults change: anything typed in the launchpad still wins, and the papers' values stay
visible in the code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import dagster as dg
import yaml
from dagster._config import Field, Shape

PROFILE_ENV = "MAMMOTH_PROFILE"
DEFAULT_PROFILE = "paper"
NAMED_PROFILES = ("paper", "sample")


class ProfileError(ValueError):
    pass


def active_profile() -> str:
    return os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE


def sample_config() -> dict[str, dict]:
    """Every domain's `demo_run_config()`, by asset name."""
    from mammoth_assets.defs import crawl, evaluate, quality, rationales, recall, train, webinstruct

    merged: dict[str, dict] = {}
    for domain in (crawl, recall, webinstruct, quality, rationales, train, evaluate):
        merged.update(domain.demo_run_config())
    return merged


def _yaml_config(path: Path) -> dict[str, dict]:
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ProfileError(f"{PROFILE_ENV}={path}: cannot read it as YAML: {error}") from error
    ops = loaded.get("ops", {}) if isinstance(loaded, dict) else None
    if not isinstance(ops, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("config", {}), dict) for v in ops.values()
    ):
        raise ProfileError(f"{PROFILE_ENV}={path}: expected run config `ops: {{asset: {{config: {{...}}}}}}`")
    return {name: dict(value.get("config") or {}) for name, value in ops.items()}


def profile_config(profile: str) -> dict[str, dict]:
    """Asset name -> config defaults of a profile ({} for `paper`)."""
    if profile == "paper":
        return {}
    if profile == "sample":
        return sample_config()
    path = Path(profile).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return _yaml_config(path)
    raise ProfileError(
        f"{PROFILE_ENV}={profile!r}: expected one of {', '.join(NAMED_PROFILES)} or a YAML file of run config"
    )


def _with_defaults(field: Field, defaults: Mapping[str, Any], where: str) -> Field:
    config_type = field.config_type
    if not isinstance(config_type, Shape):
        raise ProfileError(f"{where}: config is not a set of named fields")
    unknown = set(defaults) - set(config_type.fields)
    if unknown:
        raise ProfileError(f"{where}: no config field(s) {sorted(unknown)}")
    fields = {
        name: Field(sub.config_type, default_value=defaults[name], is_required=False,
                    description=sub.description) if name in defaults else sub
        for name, sub in config_type.fields.items()
    }
    # All fields optional: Dagster derives the whole config's default from the fields' defaults.
    return Field(Shape(fields, description=config_type.description), description=field.description)


def _profiled_asset(asset: dg.AssetsDefinition, defaults: Mapping[str, Any]) -> dg.AssetsDefinition:
    # Dagster has no public way to change an asset's config defaults after decoration: the op is
    # rebuilt with a schema whose defaults are the profile's (same fields, same types, same
    # compute function; the Config object is still built from the resolved values).
    op = asset.op
    field = _with_defaults(op.config_schema.as_field(), defaults, f"profile for {op.name}")
    profiled_op = op.with_replaced_properties(name=op.name, config_schema=field)
    return dg.AssetsDefinition.dagster_internal_init(
        **{**asset.get_attributes_dict(), "node_def": profiled_op}
    )


def apply_profile(defs: dg.Definitions, config: Mapping[str, dict], name: str) -> dg.Definitions:
    """`defs` with each named asset's config defaults replaced by the profile's."""
    remaining = {k: v for k, v in config.items() if v}
    assets = []
    for asset in defs.assets or []:
        if isinstance(asset, dg.AssetsDefinition) and asset.is_executable and asset.op.name in remaining:
            asset = _profiled_asset(asset, remaining.pop(asset.op.name))
        assets.append(asset)
    if remaining:
        raise ProfileError(f"profile {name!r} names unknown assets: {sorted(remaining)}")
    return dg.Definitions(
        assets=assets, asset_checks=defs.asset_checks, jobs=defs.jobs, sensors=defs.sensors,
        schedules=defs.schedules, resources=defs.resources, executor=defs.executor,
        loggers=defs.loggers, metadata={**(defs.metadata or {}), "settings_profile": name},
    )
