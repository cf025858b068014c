"""The scorer on small hand-made cases: a bug here would mislead every later decision."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.evaluate.score import (
    DocumentEval,
    FieldOutcome,
    TextScore,
    field_scores,
    match_records,
    normalise_value,
    printed_figures,
    reliability,
    routing_score,
    score_document,
    score_text,
    summarise,
    wilson_upper,
)
from pipeline.samples.truth import GroundTruth, TruthPage, TruthRecord

# OCR text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Họ và tên: NGUYỄN VĂN AN", "Ngày sinh: 02/09/1990\nNơi sinh: Hà Nội", "x"]
)
def test_score_text_identical_is_perfect(text: str) -> None:
    s = score_text(text, text)
    assert (s.cer, s.word_precision, s.word_recall, s.word_f1) == (0.0, 1.0, 1.0, 1.0)


def test_score_text_one_substituted_letter() -> None:
    truth = "Họ và tên: NGUYỄN VĂN AN"
    s = score_text(truth, "Họ và tên: NGUYỄN VĂN AM")
    assert s.char_errors == 1 and s.cer == pytest.approx(1 / len(truth))
    assert (s.word_matches, s.ref_words, s.ocr_words) == (5, 6, 6)
    assert s.word_f1 == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("truth", "ocr", "errors"),
    [
        ("Hòa Bình", "Hoà Bình", 0),  # tone placement only: the same text
        ("Hòa Bình", "Hòa\n  Bình ", 0),  # whitespace only
        ("Hòa Bình", "Hóa Bình", 1),  # a different tone: one character wrong
        ("Hòa Bình", "Hoa Binh", 2),
        ("Việt", "Viet", 1),  # ệ is one character in NFC, so one error
    ],
)
def test_score_text_counts_errors_after_normalisation(truth: str, ocr: str, errors: int) -> None:
    assert score_text(truth, ocr).char_errors == errors


@pytest.mark.parametrize(("truth", "ocr"), [("Hòa Bình", "Hoa Binh"), ("Đặng", "Dặng")])
def test_score_text_without_diacritics_ignores_accents(truth: str, ocr: str) -> None:
    assert score_text(truth, ocr).cer > 0
    s = score_text(truth, ocr, diacritics=False)
    assert (s.cer, s.word_f1) == (0.0, 1.0)


def test_score_text_empty_ocr_and_extra_words() -> None:
    empty = score_text("một hai", "")
    assert (empty.cer, empty.word_recall, empty.word_precision) == (1.0, 0.0, None)
    extra = score_text("một hai", "một hai ba bốn")
    assert (extra.word_precision, extra.word_recall) == (0.5, 1.0)


def test_score_text_words_are_a_multiset() -> None:
    s = score_text("an an an", "an")
    assert (s.word_matches, s.word_recall, s.word_precision) == (1, pytest.approx(1 / 3), 1.0)


def test_score_text_pools_pages_by_counts() -> None:
    pooled = score_text("abcd", "abcd") + score_text("ab", "xb") + TextScore()
    assert pooled.cer == pytest.approx(1 / 6)  # micro average, not the mean of 0 and 0.5


def test_score_text_empty_reference_has_no_rate() -> None:
    assert score_text("", "").cer is None and score_text("", "").word_f1 is None


# Fields ------------------------------------------------------------------------------------


def _truth(*records: tuple[str, dict[str, str]], inconsistent: list[str] | None = None):
    return GroundTruth(
        file="x.png",
        doc_type="birth_certificate",
        profile="flatbed_300dpi",
        pages=[TruthPage(number=1, text="")],
        records=[TruthRecord(role=role, fields=fields) for role, fields in records],
        inconsistent=inconsistent or [],
    )


def _record(role: str, status: str = "auto_accepted", confidence: float = 0.9, **values: Any):
    return {
        "role": role,
        "doc_type": "birth_certificate",
        "fields": {
            name: {"value": value, "raw": str(value), "confidence": confidence, "status": status}
            for name, value in values.items()
        },
    }


def _score(truth: GroundTruth, extracted: list[dict[str, Any]]):
    outcomes = score_document(truth, extracted, file="x.png")
    return outcomes, field_scores(outcomes, lambda o: "all").get("all")


@pytest.mark.parametrize(
    ("truth", "extracted", "correct"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An", True),
        ("Lê Thị Hòa", "Lê Thị Hoà", True),  # tone placement only
        ("Lê Thị Thúy", "Lê Thị Thuý", True),
        ("Lê Thị Hòa", "Lê Thị Hóa", False),  # a different tone mark: a different person
        ("Lê Thị Hòa", "Lê Thị Hoa", False),
        ("Nguyễn Văn An", "NGUYỄN VĂN AN", False),  # name case is part of the contract
        ("Nguyễn Văn An", " Nguyễn  Văn An ", True),
    ],
)
def test_score_names_compare_after_nfc_and_tone_placement(
    truth: str, extracted: str, correct: bool
) -> None:
    outcomes, _ = _score(
        _truth(("subject", {"full_name": truth})), [_record("subject", full_name=extracted)]
    )
    assert [o.correct for o in outcomes] == [correct]


@pytest.mark.parametrize(
    ("truth", "extracted", "correct"),
    [
        ("1960", "1960", True),  # a partial date that says only the year
        ("1960-03", "1960-03", True),
        ("1987-03-15", "1987-03-15", True),
        ("1960", "1960-01-01", False),  # inventing a day is wrong
        ("1987-03-15", "15/03/1987", False),  # not normalised to ISO
        ("1987-03-15", "1987-03-16", False),
    ],
)
def test_score_dates_compare_as_iso_strings(truth: str, extracted: str, correct: bool) -> None:
    outcomes, _ = _score(
        _truth(("subject", {"date_of_birth": truth})),
        [_record("subject", date_of_birth=extracted)],
    )
    assert [o.correct for o in outcomes] == [correct]


def test_score_missing_field_lowers_recall_not_precision() -> None:
    truth = _truth(("subject", {"full_name": "Nguyễn Văn An", "date_of_birth": "1990-09-02"}))
    _, s = _score(truth, [_record("subject", full_name="Nguyễn Văn An")])
    assert (s.in_truth, s.extracted, s.correct) == (2, 1, 1)
    assert (s.precision, s.recall, s.exact_match, s.found_rate) == (1.0, 0.5, 0.5, 0.5)


def test_score_spurious_field_lowers_precision_not_recall() -> None:
    truth = _truth(("subject", {"full_name": "Nguyễn Văn An"}))
    _, s = _score(truth, [_record("subject", full_name="Nguyễn Văn An", phone="0912345678")])
    assert (s.precision, s.recall) == (0.5, 1.0)


def test_score_wrong_value_lowers_both_but_counts_as_found() -> None:
    truth = _truth(("subject", {"id_number": "001090012345"}))
    _, s = _score(truth, [_record("subject", id_number="001090012346")])
    assert (s.precision, s.recall, s.found_rate) == (0.0, 0.0, 1.0)


def test_score_field_without_value_is_extracted_and_wrong() -> None:
    truth = _truth(("subject", {"sex": "male"}))
    outcomes, s = _score(truth, [_record("subject", sex=None)])
    assert outcomes[0].extracted and not outcomes[0].correct
    assert (s.extracted, s.correct) == (1, 0)


def test_score_no_record_extracted_means_everything_missing() -> None:
    _, s = _score(_truth(("subject", {"full_name": "An", "sex": "male"})), [])
    assert (s.in_truth, s.extracted, s.precision, s.recall) == (2, 0, None, 0.0)


def test_score_role_mismatch_is_missing_plus_spurious() -> None:
    outcomes, s = _score(
        _truth(("child", {"full_name": "An"})), [_record("subject", full_name="An")]
    )
    assert (s.in_truth, s.extracted, s.correct) == (1, 1, 0)
    assert sorted(o.role for o in outcomes) == ["child", "subject"]


def test_score_two_records_of_one_role_are_matched_by_overlap() -> None:
    truth = _truth(
        ("party", {"full_name": "Trần Văn Bình", "date_of_birth": "1970-01-02"}),
        ("party", {"full_name": "Phạm Thị Hòa", "date_of_birth": "1972-05-06"}),
    )
    extracted = [  # the other order, and one name misread
        _record("party", full_name="Phạm Thị Hoà", date_of_birth="1972-05-06"),
        _record("party", full_name="Trần Văn Binh", date_of_birth="1970-01-02"),
    ]
    assert match_records(truth.records, extracted) == [(0, 1), (1, 0)]
    _, s = _score(truth, extracted)
    assert (s.in_truth, s.extracted, s.correct) == (4, 4, 3)


def test_score_match_prefers_the_closer_misread_record() -> None:
    truth = _truth(("party", {"full_name": "Trần Văn Bình"}), ("party", {"full_name": "Lê Văn Tú"}))
    extracted = [
        _record("party", full_name="Lê Văn Tu"),
        _record("party", full_name="Trần Văn Binh"),
    ]
    assert match_records(truth.records, extracted) == [(0, 1), (1, 0)]


def test_score_extra_extracted_record_is_all_spurious() -> None:
    truth = _truth(("subject", {"full_name": "An"}))
    extracted = [_record("subject", full_name="An"), _record("subject", full_name="An")]
    assert match_records(truth.records, extracted) == [(0, 0), (None, 1)]
    _, s = _score(truth, extracted)
    assert (s.precision, s.recall) == (0.5, 1.0)


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), (7, "7")])
def test_score_normalise_value_empty_means_absent(value: object, expected: str | None) -> None:
    assert normalise_value(value) == expected


def test_score_field_scores_group_by_any_key() -> None:
    truth = _truth(("subject", {"full_name": "An", "sex": "male"}))
    outcomes = score_document(truth, [_record("subject", full_name="An", sex="female")])
    by_name = field_scores(outcomes, lambda o: o.name)
    assert list(by_name) == ["full_name", "sex"]
    assert (by_name["full_name"].recall, by_name["sex"].recall) == (1.0, 0.0)


# Routing -----------------------------------------------------------------------------------


def _outcome(correct: bool, status: str | None, *, in_truth: bool = True, **kw: Any):
    return FieldOutcome(
        file="x",
        doc_type="t",
        profile="p",
        role="subject",
        name=kw.pop("name", "full_name"),
        truth="An" if in_truth else None,
        value="An" if correct else "Ân",
        extracted=status is not None,
        confidence=kw.pop("confidence", 0.9),
        status=status,
        **kw,
    )


def test_routing_counts_wrong_auto_accepted_fields() -> None:
    outcomes = [_outcome(True, "auto_accepted")] * 7 + [
        _outcome(False, "auto_accepted"),
        _outcome(False, "auto_accepted", in_truth=False),  # spurious and auto-accepted: wrong
        _outcome(False, "needs_review"),
        _outcome(True, "needs_review"),
        _outcome(False, None),  # missed: not extracted, not routed
    ]
    r = routing_score(outcomes)
    assert (r.extracted, r.auto_accepted, r.auto_wrong) == (11, 9, 2)
    assert r.auto_accept_rate == pytest.approx(9 / 11)
    assert r.auto_error_rate == pytest.approx(2 / 9)
    assert (r.needs_review, r.review_wrong, r.review_error_rate) == (2, 1, 0.5)
    assert r.meets_target is False and r.target_proven is False
    assert routing_score([_outcome(True, "auto_accepted")] * 800).target_proven is True


def test_routing_meets_target_only_without_errors_in_small_samples() -> None:
    r = routing_score([_outcome(True, "auto_accepted")] * 40)
    assert r.auto_error_rate == 0.0 and r.meets_target is True and r.target_proven is False
    assert r.auto_error_upper95 == pytest.approx(0.0876, abs=1e-3)  # 40 fields prove little


def test_routing_counts_inconsistent_fields_auto_accepted() -> None:
    r = routing_score(
        [
            _outcome(True, "auto_accepted", inconsistent=True),
            _outcome(True, "needs_review", inconsistent=True),
        ]
    )
    assert (r.inconsistent, r.inconsistent_auto) == (2, 1)


def test_routing_of_nothing_has_no_rates() -> None:
    r = routing_score([])
    assert (r.auto_accept_rate, r.auto_error_rate, r.meets_target) == (None, None, None)


@pytest.mark.parametrize(
    ("errors", "total", "expected"), [(0, 0, None), (0, 1000, 0.0038), (5, 1000, 0.0117)]
)
def test_routing_wilson_upper_bound(errors: int, total: int, expected: float | None) -> None:
    bound = wilson_upper(errors, total)
    assert bound == (None if expected is None else pytest.approx(expected, abs=1e-4))


# Reliability -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "index"), [(0.0, 0), (0.05, 0), (0.1, 1), (0.55, 5), (0.99, 9), (1.0, 9)]
)
def test_reliability_bins_edges(confidence: float, index: int) -> None:
    r = reliability([(confidence, True)])
    assert [b.count for b in r.bins].index(1) == index


def test_reliability_accuracy_per_bin_and_ece() -> None:
    pairs = [(0.95, True)] * 9 + [(0.95, False)] + [(0.35, True), (0.35, False)]
    r = reliability(pairs)
    assert r.count == 12 and len(r.bins) == 10
    assert (r.bins[9].count, r.bins[9].accuracy) == (10, 0.9)
    assert r.bins[3].accuracy == 0.5 and r.bins[3].mean_confidence == pytest.approx(0.35)
    assert r.bins[0].accuracy is None
    # |0.9 − 0.95| · 10/12 + |0.5 − 0.35| · 2/12
    assert r.ece == pytest.approx(0.05 * 10 / 12 + 0.15 * 2 / 12)


def test_reliability_perfect_calibration_and_empty() -> None:
    assert reliability([(1.0, True)] * 4).ece == 0.0
    assert reliability([]).ece is None


# A whole evaluation ------------------------------------------------------------------------


def test_score_summarise_groups_by_profile_and_doc_type() -> None:
    good = DocumentEval(
        file="a.png",
        doc_type="cccd_front",
        profile="phone",
        predicted_doc_type="cccd_front",
        pages=1,
        text=score_text("Nguyễn Văn An", "Nguyễn Văn An"),
        fields=[_outcome(True, "auto_accepted", confidence=0.95)],
    )
    bad = DocumentEval(
        file="b.png",
        doc_type="cmnd",
        profile="flatbed",
        predicted_doc_type="cccd_front",
        pages=2,
        text=score_text("abcd", "abxd"),
        fields=[_outcome(False, "auto_accepted", confidence=0.95, name="id_number")],
        error=None,
    )
    result = summarise([good, bad])
    overall = result["overall"]
    assert (overall["documents"], overall["pages"], overall["doc_type_accuracy"]) == (2, 3, 0.5)
    assert overall["documents_exact"] == 0.5
    assert overall["text"]["cer"] == pytest.approx(1 / 17)
    assert overall["routing"]["auto_error_rate"] == 0.5
    assert list(result["by_profile"]) == ["flatbed", "phone"]
    assert result["by_profile"]["phone"]["fields"]["recall"] == 1.0
    assert [(r["doc_type"], r["field"]) for r in result["by_doc_type_field"]] == [
        ("t", "full_name"),
        ("t", "id_number"),
    ]
    assert result["reliability"]["bins"][9]["accuracy"] == 0.5
    assert result["documents"][1]["wrong_fields"][0]["field"] == "id_number"


def test_score_marks_fields_the_truth_says_are_handwritten() -> None:
    truth = _truth(("subject", {"full_name": "Lê An", "id_number": "001203000001"}))
    truth.records[0].handwritten = ["full_name"]
    outcomes, _ = _score(truth, [_record("subject", full_name="Lê An", phone="0912")])
    marks = {o.name: (o.handwritten, o.printed) for o in outcomes}
    # A spurious field is not handwritten: it belongs to the printed scope of its document.
    assert marks == {
        "full_name": (True, False),
        "id_number": (False, True),
        "phone": (False, True),
    }


def test_score_truth_without_handwritten_key_is_all_printed() -> None:
    record = TruthRecord.model_validate({"role": "subject", "fields": {"sex": "male"}})
    assert record.handwritten is None
    assert "handwritten" not in _truth(("subject", {"sex": "male"})).to_json()


def _field(doc_type: str, profile: str, name: str, correct: bool, *, hand: bool = False, **kw):
    return FieldOutcome(
        file=f"{doc_type}.png",
        doc_type=doc_type,
        profile=profile,
        role="subject",
        name=name,
        truth="v",
        value="v" if correct else "w",
        extracted=True,
        handwritten=hand,
        **kw,
    )


def test_score_printed_figures_leave_out_registers_and_handwriting() -> None:
    outcomes = [
        _field("cccd_front", "fax", "id_number", True, status="auto_accepted"),
        _field("cccd_front", "fax", "date_of_birth", False, status="auto_accepted"),
        _field("cmnd", "flatbed", "full_name", False, hand=True, status="auto_accepted"),
        _field("cmnd", "flatbed", "old_id_number", True, status="needs_review"),
        _field("civil_register_page", "flatbed", "full_name", False),
    ]
    printed = printed_figures(outcomes)
    overall = printed["overall"]
    assert (overall["fields"]["in_truth"], overall["fields"]["correct"]) == (3, 2)
    assert overall["id_number"]["exact_match"] == 1.0
    assert overall["date_of_birth"]["exact_match"] == 0.0
    assert (overall["routing"]["auto_accepted"], overall["routing"]["auto_wrong"]) == (2, 1)
    assert list(printed["by_profile"]) == ["fax", "flatbed"]
    assert printed["by_profile"]["flatbed"]["fields"]["exact_match"] == 1.0
    assert printed["by_profile"]["flatbed"]["id_number"]["exact_match"] is None
    assert list(printed["by_doc_type"]) == ["cccd_front", "cmnd"]
    assert printed["targets"] == {
        "exact_match": 0.97,
        "id_number": 0.99,
        "date_of_birth": 0.99,
        "auto_error": 0.005,
    }
    # The totals keep every field.
    docs = [DocumentEval(file="x", doc_type="t", profile="p", fields=outcomes)]
    assert summarise(docs)["overall"]["fields"]["in_truth"] == 5
    assert summarise(docs)["printed"]["overall"]["fields"]["in_truth"] == 3


def test_score_failed_document_is_never_exact() -> None:
    assert not DocumentEval(file="a", doc_type="t", profile="p", error="CorruptFileError").exact


def test_score_text_ignores_dot_leaders() -> None:
    truth = "5. Dân tộc: ........................ Kinh ......................"
    assert score_text(truth, "5. Dân tộc:... Kinh").cer == 0.0
