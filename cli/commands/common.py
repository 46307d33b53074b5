"""Helpers shared by commands: the loaded config from the global options."""

from __future__ import annotations

import typer

from trams.config import TramsConfig, load_config


def config_from(ctx: typer.Context) -> TramsConfig:
    obj = ctx.find_root().obj or {}
    return load_config(obj.get("config_path"))
