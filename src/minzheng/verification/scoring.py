"""Recall and precision of a run stored in the database, against a generated ground truth
(`minzheng.synth.sources`). ID numbers of the ground truth are compared through the
platform's keyed hash, so no plaintext ID is read from the database."""

from __future__ import annotations

from pathlib import Path

from minzheng.core import crypto
from minzheng.synth.sources import Score, read_truth, score

from .models import Finding, Run


def score_run(run: Run, sources_dir: Path) -> Score:
    hasher = crypto.lookup_hasher()
    truth = [dict(t, id_number=hasher(t["id_number"])) for t in read_truth(Path(sources_dir))]
    found = set(
        Finding.objects.filter(last_run=run).values_list(
            "household__number", "person__id_hash", "rule"
        )
    )
    return score(found, truth)
