"""Confidence calibration: isotonic fit, shrinkage, lookup, the shipped data."""

from __future__ import annotations

import dataclasses

import pytest

from extractors.calibration import (
    CALIBRATION_PATH,
    IDENTITY,
    Calibration,
    Outcome,
    fit,
    get_calibration,
    routing_figures,
)


def outcome(name: str, raw: float, correct: bool) -> Outcome:
    return Outcome(
        "f", "cccd_front", "p", "subject", name, "x", "x" if correct else "y", raw, correct
    )


def test_calibration_fit_is_monotone_and_shrunk():
    outcomes = [outcome("full_name", 0.3, k % 2 == 0) for k in range(20)]
    outcomes += [outcome("full_name", 0.95, True) for _ in range(200)]
    calibration = fit(outcomes, "test")
    steps = calibration.steps["names"]
    probabilities = [p for _, p in steps]
    assert probabilities == sorted(probabilities)
    assert calibration.apply("full_name", 0.96) == pytest.approx(200.5 / 201)
    assert calibration.apply("full_name", 0.3) < 0.6
    # Below anything seen: the first step (the 0.3 block) still applies.
    assert calibration.apply("full_name", 0.1) == calibration.apply("full_name", 0.3)


def test_calibration_below_the_first_step_takes_its_probability():
    calibration = Calibration(version="t", steps={"dates": [(0.08, 0.25), (0.27, 0.625)]})
    # A correct date of birth ("20/01/1952") read with a raw confidence of 0.07.
    assert calibration.apply("date_of_birth", 0.07) == 0.25
    assert calibration.apply("date_of_birth", 0.0) == 0.25
    assert calibration.apply("date_of_birth", 0.08) == 0.25
    assert calibration.apply("date_of_birth", 0.3) == 0.625


@pytest.mark.skipif(not CALIBRATION_PATH.exists(), reason="no calibration shipped yet")
def test_calibration_shipped_data_never_maps_a_read_value_to_zero():
    calibration = get_calibration()
    for field in ("date_of_birth", "full_name", "id_number", "sex", "phone", "place_of_origin"):
        assert calibration.apply(field, 0.0) > 0.0
        assert calibration.apply(field, 0.07) > 0.0


def test_calibration_below_a_fields_curve_asks_the_broader_ones():
    # Registering offices were never wrong when fitting: one flat step from raw 0.6. A value
    # read with no confidence at all is not 0.997 likely right for that.
    calibration = Calibration(
        version="t",
        steps={
            "registration_office": [(0.6, 0.997)],
            "places": [(0.3, 0.4), (0.6, 0.99)],
            "*": [(0.0, 0.02), (0.5, 0.9)],
        },
    )
    assert calibration.apply("registration_office", 0.7) == 0.997
    assert calibration.apply("registration_office", 0.55) == 0.4  # the family's
    assert calibration.apply("registration_office", 0.0) == 0.02  # all fields'
    assert calibration.apply("place_of_birth", 0.1) == 0.02


def test_calibration_never_trusts_a_poorly_read_value_enough_to_accept_it():
    calibration = Calibration(version="t", steps={"sex": [(0.1, 0.998)]})
    assert calibration.apply("sex", 0.2) == 0.9
    assert calibration.apply("sex", 0.6) == 0.998


def test_calibration_field_borrows_its_family_curve():
    calibration = Calibration(version="t", steps={"dates": [(0.0, 0.2), (0.9, 0.999)]})
    assert calibration.apply("issue_date", 0.95) == 0.999
    assert calibration.apply("issue_date", 0.5) == 0.2
    assert IDENTITY.apply("issue_date", 0.42) == 0.42


def test_calibration_routing_figures_count_errors_among_accepted():
    outcomes = [outcome("sex", 0.99, True)] * 99 + [outcome("sex", 0.99, False)]
    calibration = Calibration(version="t", steps={"*": [(0.0, 0.999)]})
    figures = routing_figures(outcomes, calibration)
    assert figures["auto_accept_rate"] == 1.0
    assert figures["error_among_accepted"] == pytest.approx(0.01)


def test_calibration_routing_figures_hold_fax_fields_for_review():
    calibration = Calibration(version="t", steps={"*": [(0.0, 0.999)]})
    plain = outcome("sex", 0.99, True)
    figures = routing_figures([plain, dataclasses.replace(plain, fax=True)], calibration)
    assert (figures["extracted"], figures["auto_accepted"]) == (2, 1)


@pytest.mark.skipif(not CALIBRATION_PATH.exists(), reason="no calibration shipped yet")
def test_calibration_shipped_data_loads_and_is_versioned():
    calibration = get_calibration()
    assert calibration.version.startswith("sohoa.calibration.")
    for steps in calibration.steps.values():
        assert [p for _, p in steps] == sorted(p for _, p in steps)


def test_calibration_is_applied_by_extract(make_document):
    from extractors import extract

    document = make_document("Họ và tên: LÊ VĂN AN")
    raw = extract(document, "unknown", calibration=IDENTITY)[0].fields["full_name"].confidence
    shipped = extract(document, "unknown")[0].fields["full_name"].confidence
    assert shipped == get_calibration().apply("full_name", raw)


@pytest.mark.slow
def test_calibration_fit_pools_every_set_it_is_given(tmp_path):
    # Two generated sets (one form each), OCR'd by Tesseract and fitted as one.
    from extractors.calibration import _main
    from pipeline.samples.generate import generate

    sets = [tmp_path / "a", tmp_path / "b"]
    for seed, folder in enumerate(sets):
        generate(
            folder, n=1, seed=seed, doc_types=["application_form"], profiles=["flatbed_300dpi"]
        )
    out = tmp_path / "calibration.json"
    cache = f"sqlite:///{tmp_path / 'ocr.db'}"
    args = ["fit", *map(str, sets), "--cache", cache, "--out", str(out), "--version", "t.v1"]
    assert _main(args) == 0
    fitted = Calibration.model_validate_json(out.read_text("utf-8"))
    assert (fitted.version, fitted.fitted_on) == ("t.v1", f"{sets[0]} + {sets[1]}")
    one = tmp_path / "one.json"
    _main(["fit", str(sets[0]), "--cache", cache, "--out", str(one), "--version", "t.v1"])
    pooled = sum(len(steps) for steps in fitted.steps.values())
    assert pooled and Calibration.model_validate_json(one.read_text("utf-8")).steps != fitted.steps
