"""The Jupyter kernel the reports run in, and how it is started safely in parallel.

``make venv`` registers the project's kernel as ``cpsa`` (``ipykernel install
--sys-prefix``); :func:`ensure_kernel` registers it the same way when a build
finds it missing, so a venv made without make still works.

Parallel builds: with the default TCP transport jupyter_client picks five free
ports, releases them and hands them to the kernel, so two kernels started at
the same moment can pick the same port (papermill issues #175/#511: "Address
already in use", or a kernel that never replies). :func:`kernel_manager_class`
instead gives every kernel Unix-domain sockets (``ipc`` transport) in its own
private temporary folder: no ports, nothing shared, nothing to race for.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from cpsa.config import ConfigError

KERNEL_NAME = "cpsa"
DISPLAY_NAME = "Python (cpsa)"


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Make sure the named kernel is registered; register ``cpsa`` into this venv if missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if name in KernelSpecManager().find_kernel_specs():
        return
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    if name != KERNEL_NAME or not in_venv:
        raise ConfigError(
            f"Jupyter kernel {name!r} is not registered; run `make venv` (it registers the "
            "project's kernel with `python -m ipykernel install --sys-prefix --name "
            f"{KERNEL_NAME}`)"
        )
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name=DISPLAY_NAME, prefix=sys.prefix)


def kernel_env(*, root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a report kernel runs with: this one, re-rooted and made reproducible."""
    env = dict(os.environ)
    env["CPSA_ROOT"] = str(root)
    # same hash order and no timestamps in matplotlib's SVG metadata on every run
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("SOURCE_DATE_EPOCH", "0")
    env["MPLBACKEND"] = "agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences the debugger's frozen-modules notice
    env.update(extra or {})
    return env


def kernel_manager_class(*, socket_dir: Path, env: dict[str, str]) -> type:
    """An AsyncKernelManager class whose kernels use private Unix sockets and ``env``.

    A class (not an instance) is returned because nbclient creates, owns and
    shuts down the manager itself when given ``kernel_manager_class``.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(Path(socket_dir) / "kernel")

        async def start_kernel(self, **kwargs: Any) -> None:  # type: ignore[override]
            kwargs["env"] = dict(env)
            await super().start_kernel(**kwargs)

    return IpcKernelManager
