"""The "Commitment" column (N2): payments made and still required on a renewing pass,
from ``services.renewals`` (one query for a whole page of passes), in its own words."""

from __future__ import annotations

from ...presentation import EMPTY
from ...services.renewals import commitment_progress_for


def commitment_progress(passes) -> dict:
    """pass pk -> progress (``.made``, ``.required``, ``.remaining``)."""
    return commitment_progress_for(passes)


def commitment_text(progress) -> str:
    """ "3 of 12 payments made, 9 to go", or "—" without a commitment."""
    if progress is None or not progress.required:
        return EMPTY
    return progress.describe() or EMPTY
