"""The "Commitment" column (N2): payments made and still required on a renewing pass
(``services.renewals.commitment_progress_for``, for a whole page at once), in its own words."""

from __future__ import annotations

from ...presentation import EMPTY


def commitment_text(progress) -> str:
    """ "3 of 12 payments made, 9 to go", or "—" without a commitment."""
    if progress is None or not progress.required:
        return EMPTY
    return progress.describe() or EMPTY
