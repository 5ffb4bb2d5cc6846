"""A progress bar for long CLI commands, drawn on stderr.

On a terminal the bar redraws in place (at most ten times a second); when stderr is a file or a
pipe (CI logs, cron mail) it prints one plain line per tenth of the work instead, so logs stay short.
"""

from __future__ import annotations

import shutil
import sys
import time
import unicodedata
from typing import TextIO


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    """Cut `text` to `width` terminal columns (Chinese characters take two)."""
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ProgressBar:
    """`bar.update(done, total, message)` as work advances; `bar.finish()` at the end.

    Usable as a context manager. `total` may be unknown (None or 0): the bar then shows the count only.
    """

    REDRAW_SECONDS = 0.1
    BAR_WIDTH = 28

    def __init__(
        self, label: str = "", *, stream: TextIO | None = None, interactive: bool | None = None
    ):
        self.label = str(label)
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.done = 0
        self.total: int | None = None
        self.message = ""
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_logged_tenth = -1
        self._last_logged: str | None = None
        self._finished = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.done = done
        if total:
            self.total = total
        if message is not None:
            self.message = str(message)
        if self.interactive:
            now = time.monotonic()
            if now - self._last_draw >= self.REDRAW_SECONDS:
                self._last_draw = now
                self._draw()
        else:
            tenth = (self.percent or 0) // 10
            if tenth > self._last_logged_tenth:
                self._last_logged_tenth = tenth
                self._log_line()

    def finish(self, message: str | None = None) -> None:
        if self._finished:
            return
        self._finished = True
        if message is not None:
            self.message = str(message)
        if self.interactive:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
        else:
            self._log_line()

    def render(self, *, with_times: bool = True) -> str:
        elapsed = time.monotonic() - self._started
        parts = [self.label] if self.label else []
        percent = self.percent
        if percent is not None:
            filled = int(self.BAR_WIDTH * percent / 100)
            parts.append("[" + "#" * filled + "-" * (self.BAR_WIDTH - filled) + f"] {percent:3d}%")
            parts.append(f"{self.done}/{self.total}")
            if with_times and 0 < self.done < self.total and elapsed > 1:
                remaining = elapsed * (self.total - self.done) / self.done
                parts.append(f"ETA {_duration(remaining)}")
        else:
            parts.append(str(self.done))
        if with_times:
            parts.append(_duration(elapsed))
        if self.message:
            parts.append(self.message)
        return "  ".join(parts)

    def _log_line(self) -> None:
        # A line that differs from the last one only in its times is no news.
        news = self.render(with_times=False)
        if news != self._last_logged:
            self._last_logged = news
            self.stream.write(self.render() + "\n")
            self.stream.flush()

    def _draw(self) -> None:
        columns = shutil.get_terminal_size((100, 20)).columns - 1
        line = _clip(self.render(), columns)
        padding = " " * max(0, columns - _display_width(line))
        self.stream.write("\r" + line + padding)
        self.stream.flush()


def job_progress_callback(bar: ProgressBar):
    """Adapter for `minzheng.core.jobs.execute(on_progress=...)`, which reports a Job row."""

    def on_progress(job) -> None:
        bar.update(job.done, job.total or None, job.message)

    return on_progress
