"""A headless Chromium for tests, driven through ``web/tests-browser/driver.mjs``.

The driver runs playwright-core against Debian's ``/usr/bin/chromium`` (nothing is
downloaded); this module talks to it over JSON lines::

    with Browser.launch() as b:
        b.goto(url)
        b.click(".launcher")            # selectors pierce the widget's (open) shadow root
        assert b.text(".status") == "Ready to talk"
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
DRIVER = WEB / "tests-browser" / "driver.mjs"
CHROMIUM = os.environ.get("OSHARA_CHROMIUM", "/usr/bin/chromium")
ANSWER_TIMEOUT_SECONDS = 60.0


class BrowserError(AssertionError):
    """A driver command failed; the message carries the page's console output."""


class Browser:
    """One Chromium page. Each method sends one driver command and returns its result."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._proc = proc
        self._answers: queue.Queue[str] = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    @classmethod
    def launch(cls, **launch_args: Any) -> Browser:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("browser tests need Node.js >= 20 on PATH")
        proc = subprocess.Popen(
            [node, str(DRIVER)],
            cwd=WEB,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        browser = cls(proc)
        try:
            browser.call("launch", **launch_args)
        except BaseException:
            browser.close()
            raise
        return browser

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._answers.put(line)
        self._answers.put("")

    def call(self, cmd: str, **args: Any) -> Any:
        """Run one driver command; raises :class:`BrowserError` when it fails."""
        self._next_id += 1
        msg_id = self._next_id
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"id": msg_id, "cmd": cmd, "args": args}) + "\n")
        self._proc.stdin.flush()
        try:
            line = self._answers.get(timeout=ANSWER_TIMEOUT_SECONDS)
        except queue.Empty as exc:
            waited = ANSWER_TIMEOUT_SECONDS
            raise BrowserError(f"driver did not answer {cmd} in {waited} s") from exc
        if not line:
            raise BrowserError(f"driver exited during {cmd}")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise BrowserError(f"{cmd} {args}: {answer.get('error')}\n{self._console_text()}")
        return answer.get("result")

    def _console_text(self) -> str:
        lines = self._safe_console()
        return "browser console:\n  " + "\n  ".join(lines[-30:]) if lines else ""

    def _safe_console(self) -> list[str]:
        try:
            self._next_id += 1
            assert self._proc.stdin is not None
            self._proc.stdin.write(json.dumps({"id": self._next_id, "cmd": "console"}) + "\n")
            self._proc.stdin.flush()
            line = self._answers.get(timeout=5)
            result: list[str] = json.loads(line).get("result") or []
            return result
        except Exception:
            return []

    def __getattr__(self, cmd: str) -> Any:
        if cmd.startswith("_"):
            raise AttributeError(cmd)
        return lambda **args: self.call(cmd, **args)

    # Typed shorthands for the commands used most.
    def goto(self, url: str) -> Any:
        return self.call("goto", url=url)

    def click(self, selector: str) -> None:
        self.call("click", selector=selector)

    def fill(self, selector: str, value: str) -> None:
        self.call("fill", selector=selector, value=value)

    def text(self, selector: str) -> str:
        result: str = self.call("text", selector=selector)
        return result

    def visible(self, selector: str) -> bool:
        return bool(self.call("visible", selector=selector))

    def wait(self, selector: str, state: str = "visible", timeout: int = 10_000) -> None:
        self.call("wait", selector=selector, state=state, timeout=timeout)

    def wait_text(self, selector: str, text: str, timeout: int = 10_000) -> str:
        result: str = self.call("waitText", selector=selector, text=text, timeout=timeout)
        return result

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                self.call("close")
        except Exception:
            pass
        finally:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
