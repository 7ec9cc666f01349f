"""Eligible programmes and classes (U2), widened by linked classes (P5)."""

from tests.rules import PILATES, PROGRAMME, YOGA, make_session, make_terms
from wagtail_passes.rules.coverage import check_coverage, covers

YIN = 12


def test_u2_empty_lists_cover_every_session():
    assert covers(make_terms(), make_session(programme_id=999, class_id=999))


def test_u2_programme_covers_all_its_classes():
    terms = make_terms(programme_ids=frozenset({PROGRAMME}))
    assert covers(terms, make_session(class_id=PILATES))
    assert covers(terms, make_session(class_id=YOGA))
    assert not covers(terms, make_session(programme_id=PROGRAMME + 1))


def test_u2_class_list_excludes_other_classes():
    terms = make_terms(class_ids=frozenset({YOGA}))
    assert covers(terms, make_session(class_id=YOGA))
    assert not covers(terms, make_session(class_id=PILATES))


def test_u2_programmes_and_classes_add_up():
    terms = make_terms(programme_ids=frozenset({200}), class_ids=frozenset({YOGA}))
    assert covers(terms, make_session(programme_id=200, class_id=PILATES))
    assert covers(terms, make_session(programme_id=PROGRAMME, class_id=YOGA))
    assert not covers(terms, make_session(programme_id=PROGRAMME, class_id=PILATES))


def test_p5_linked_classes_widen_coverage():
    terms = make_terms(class_ids=frozenset({YOGA}))
    pooled = make_session(class_id=YIN, linked_class_ids=frozenset({YOGA, YIN}))
    assert covers(terms, pooled)
    assert not covers(terms, make_session(class_id=YIN, linked_class_ids=frozenset({YIN})))


def test_p5_pool_always_contains_the_class_itself():
    session = make_session(class_id=YOGA, linked_class_ids=frozenset({YIN}))
    assert session.linked_class_ids == {YOGA, YIN}
    assert covers(make_terms(class_ids=frozenset({YOGA})), session)


def test_u2_refusal_names_the_class_when_known():
    terms = make_terms(class_ids=frozenset({YOGA}))
    verdict = check_coverage(terms, make_session(class_id=PILATES), {PILATES: "Pilates"})
    assert (verdict.code, verdict.message, verdict.temporary) == (
        "not_covered",
        "Not valid for Pilates",
        False,
    )
    assert check_coverage(terms, make_session(class_id=PILATES)).message == (
        "Not valid for this class"
    )
    assert check_coverage(terms, make_session(class_id=YOGA)) is None
