"""Headless Chromium driven over the DevTools protocol (tests/test_report.py).

One browser loads a page once; the test then runs scripts in it and takes screenshots as often
as it needs, instead of starting Chromium and loading the page again for each screenshot.
Chromium reads the protocol's commands from its file descriptor 3 and writes its replies to 4
(``--remote-debugging-pipe``), one JSON message each, ended by a NUL byte.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from pathlib import Path


def _above_4(fd: int) -> int:
    """The same pipe end as a descriptor numbered 10 or more."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Chromium:
    """A headless Chromium showing one page in a ``width`` x ``height`` window."""

    def __init__(self, browser: str, log: Path, width: int = 1400, height: int = 1000, timeout: float = 120.0):
        commands, self._commands = os.pipe()
        self._replies, replies = os.pipe()
        commands, replies = _above_4(commands), _above_4(replies)  # `3<&4 4>&3` would lose one of them
        self.timeout = timeout
        # bash gives Chromium the two pipe ends as its descriptors 3 and 4
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                ["bash", "-c", f'exec "$0" "$@" 3<&{commands} 4>&{replies}', browser, "--headless", "--no-sandbox",
                 "--disable-gpu", "--disable-background-networking", "--no-first-run", "--hide-scrollbars",
                 f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"],
                pass_fds=(commands, replies), stdout=subprocess.DEVNULL, stderr=stderr)
        self.log = log
        os.close(commands)
        os.close(replies)
        self._id, self._buffer, self._events = 0, b"", []
        try:
            page = next(target for target in self.send("Target.getTargets")["targetInfos"]
                        if target["type"] == "page")
            self._session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
            self.page("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
            self.page("Page.enable")
        except BaseException:
            self.close()
            raise

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._replies], [], [], self.timeout)[0]:
                raise TimeoutError(f"Chromium did not answer in {self.timeout:.0f} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium stopped: {self.log.read_text(errors='replace')[-2000:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command (to the page's session if given) and return its result."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def page(self, method: str, **params) -> dict:
        return self.send(method, self._session, **params)

    def open(self, path: Path) -> None:
        """Load the page and wait for its load event."""
        self._events.clear()
        self.page("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + self.timeout
        while not any(event.get("method") == "Page.loadEventFired" for event in self._events):
            assert time.monotonic() < deadline, f"{path} did not load in {self.timeout:.0f} s"
            self._events.append(self._message())

    def evaluate(self, script: str):
        """The value of a script run in the page (a promise is awaited)."""
        result = self.page("Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the page's script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._replies):
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
