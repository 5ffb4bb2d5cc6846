"""The earlier name of `members_table`, kept only for callers not yet moved over (the synthetic
source generator); new code imports `minzheng.verification.members_table`."""

from .members_table import TargetHousehold, target_for_household

__all__ = ["TargetHousehold", "target_for_household"]
