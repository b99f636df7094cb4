"""``kill -HUP <pid>``: re-read the settings that can change without a restart.

Only ``OSHARA_EGRESS_ALLOW`` for now: the environment of a running process cannot change, so
the new value comes from the ``.env`` file (of the directory the server was started in)
unless the variable is set in the environment, which wins as always. Every egress client of
the process gets the new allow-list at once (calls already under way finish under the old
one); the save-time tool warnings use it too. An invalid value is logged and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from oshara.config import Settings
from oshara.egress import reload_allow

__all__ = ["install_sighup_reload", "reload_settings"]

log = logging.getLogger("oshara")


def reload_settings(settings: Settings) -> bool:
    """Re-read the reloadable settings into ``settings`` and the live egress clients."""
    try:
        fresh = Settings()
        clients = reload_allow(fresh.egress_allow)
    except ValueError as exc:  # pydantic's ValidationError too
        log.error("reload: settings not changed: %s", exc)
        return False
    settings.egress_allow = fresh.egress_allow
    log.info("reload: OSHARA_EGRESS_ALLOW applied to %d egress client(s)", clients)
    return True


def install_sighup_reload(settings: Settings) -> Callable[[], None]:
    """Reload on SIGHUP in the running event loop; returns the function that uninstalls it.
    Does nothing where signals cannot be handled (not the main thread, Windows)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, reload_settings, settings)
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        return lambda: None

    def uninstall() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return uninstall
