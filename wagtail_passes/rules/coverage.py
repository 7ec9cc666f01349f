"""Which sessions a pass covers (U2), widened by linked classes (P5)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from .types import PassTerms, SessionFacts, Verdict, refuse


def covers(terms: PassTerms, session: SessionFacts) -> bool:
    """True when the pass may pay for the session.

    A product that lists neither programmes nor classes covers everything (the common
    "any class" pass). A listed class covers its whole link pool: a pass for Yoga Flow also
    pays for Yin Yoga when the two are linked.
    """
    if not terms.programme_ids and not terms.class_ids:
        return True
    if session.programme_id in terms.programme_ids:
        return True
    return not terms.class_ids.isdisjoint(session.linked_class_ids)


def needs_link_pool(terms: PassTerms, programme_id: int, class_id: int) -> bool:
    """Whether ``covers`` depends on the session's linked classes: only for a pass listing
    classes that does not cover the session through its programme or its own class."""
    return (
        bool(terms.class_ids)
        and programme_id not in terms.programme_ids
        and class_id not in terms.class_ids
    )


def check_coverage(
    terms: PassTerms, session: SessionFacts, class_names: Mapping[int, str] | None = None
) -> Verdict | None:
    if covers(terms, session):
        return None
    name = (class_names or {}).get(session.class_id)
    if name:
        message = _("Not valid for %(name)s") % {"name": name}
    else:
        message = _("Not valid for this class")
    return refuse("not_covered", message)
