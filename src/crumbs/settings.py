"""The configuration file: ``$CRUMBS_CONFIG`` or ``~/.config/crumbs/config.toml`` (TOML), read
once per use, each table checked by its reader (``[llm]`` in :mod:`crumbs.explain.config`,
``[notify]`` and ``[alerts]`` in :mod:`crumbs.notify.config`)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from crumbs.errors import UsageError
from crumbs.files import reason, regular


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(
        os.environ.get("CRUMBS_CONFIG")
        or Path(user_config_dir("crumbs", appauthor=False)) / "config.toml"
    )


def config_file() -> tuple[Path, dict[str, Any]]:
    """The file's path and its tables ({} when there is no file); a file that cannot be read
    or parsed is a one-line error naming it."""
    path = config_path()
    if not path.exists():
        return path, {}
    try:
        regular(path)
        return path, tomllib.loads(path.read_text())
    except OSError as err:
        raise UsageError(f"{path}: {reason(err)}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: {err}") from None
