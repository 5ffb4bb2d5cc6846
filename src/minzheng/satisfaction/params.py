"""Sampling of survey invitations: a share of the subjects (SATISFACTION_SAMPLE_RATE in Django
settings, default 0.2), chosen by a hash of the subject so a rerun picks the same ones."""

from __future__ import annotations

import hashlib

from django.conf import settings


def sample_rate() -> float:
    return float(getattr(settings, "SATISFACTION_SAMPLE_RATE", 0.2))


def sampled(subject_type: str, subject_id, rate: float | None = None) -> bool:
    rate = sample_rate() if rate is None else rate
    digest = hashlib.sha256(f"{subject_type}:{subject_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 10_000 < round(rate * 10_000)
