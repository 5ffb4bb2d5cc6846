"""What an import reports: every rejected row with its column, value and a Chinese message, and
the counts of what was written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

JOB_KIND = "people.import"
ALL_OR_NOTHING = "all_or_nothing"
GOOD_ROWS = "good_rows"
MODES = (ALL_OR_NOTHING, GOOD_ROWS)
MAX_REPORTED_ERRORS = 1000

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RowError:
    row: int | None  # spreadsheet row number (the header is row 1); None for the whole file
    column: str  # the header as written in the file
    value: str
    message: str


@dataclass
class ImportReport:
    mode: str
    rows: int = 0
    created_people: int = 0
    created_households: int = 0
    existing: int = 0  # rows whose person was already registered (left as they were)
    existing_households: int = 0
    added_members: int = 0  # people added to households that were registered before
    possible_duplicates: int = 0  # pairs flagged for review: same name and birth date
    skipped_rows: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    file_name: str = ""
    size: int = 0
    sha256: str = ""

    def summary(self) -> str:
        if not self.written:
            return _("未导入：发现%(errors)d处错误") % {"errors": len(self.errors)}
        return _(
            "已导入：新增人员%(people)d人、家庭%(households)d户，已存在%(existing)d人，跳过%(skipped)d行"
        ) % {
            "people": self.created_people,
            "households": self.created_households,
            "existing": self.existing,
            "skipped": self.skipped_rows,
        }

    def as_result(self) -> dict:
        return {
            "mode": self.mode,
            "rows": self.rows,
            "created_people": self.created_people,
            "created_households": self.created_households,
            "existing": self.existing,
            "existing_households": self.existing_households,
            "added_members": self.added_members,
            "possible_duplicates": self.possible_duplicates,
            "skipped_rows": self.skipped_rows,
            "written": self.written,
            "errors": [asdict(e) for e in self.errors[:MAX_REPORTED_ERRORS]],
            "error_count": len(self.errors),
            "file": {"name": self.file_name, "size": self.size, "sha256": self.sha256},
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read; carries a user-facing message."""
