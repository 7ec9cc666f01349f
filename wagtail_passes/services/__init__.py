"""The public Python API of wagtail_passes (see docs/reference/services.md).

Host sites call these functions from their own views, tasks and shells. Each one
that writes runs in a transaction, locks the rows it decides on in a fixed order
and sends emails and signals only once the transaction has committed.
"""

from .schedules import GenerationReport, generate_all_sessions, generate_sessions

__all__ = [
    "GenerationReport",
    "generate_all_sessions",
    "generate_sessions",
]
