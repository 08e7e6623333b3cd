"""load_job_order: inputs.yml checked against the workflow's inputs before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwl2dirac.errors import InputError
from cwl2dirac.loader import load
from cwl2dirac.loader.job_order import load_job_order


@pytest.fixture(scope="module")
def scatter(data):
    return load(data("scatter.cwl"))


@pytest.fixture(scope="module")
def conditional(data):
    return load(data("conditional.cwl"))


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "inputs.yml"
    path.write_text(text)
    return str(path)


def test_files_are_made_absolute(data, scatter):
    order = load_job_order(data("scatter.yml"), scatter)
    locations = [f["location"] for f in order["infiles"]]
    assert locations == [Path(data("files", f"f{i}.txt")).as_uri() for i in (1, 2, 3)]
    assert all("path" not in f for f in order["infiles"])  # 'path:' became a location too
    assert order["particles"] == ["gamma", "proton"]


def test_defaults_and_optional(tmp_path, conditional):
    assert load_job_order(_write(tmp_path, "message: hi\n"), conditional) == {"message": "hi"}
    order = load_job_order(_write(tmp_path, "message: hi\nloud: true\n"), conditional)
    assert order == {"message": "hi", "loud": True}


def test_no_inputs_file(conditional, scatter):
    with pytest.raises(InputError, match="missing required input 'message' \\(string\\)"):
        load_job_order(None, conditional)
    with pytest.raises(InputError, match="missing required input 'infiles' \\(File\\[\\]\\)"):
        load_job_order(None, scatter)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("message: 3\n", 1, "input 'message' expects string but got 3"),
        ("message: hi\nloud: yes please\n", 2, "input 'loud' expects boolean but got 'yes please'"),
        ("message: hi\nloud: 1\n", 2, "input 'loud' expects boolean but got 1"),
        ("message: hi\nlodu: true\n", 2, "unknown input 'lodu' (did you mean 'loud'?)"),
        ("- message\n", 1, "the inputs file must hold a mapping"),
        ("message: hi\nloud: [true\n", 3, "malformed YAML"),
    ],
)
def test_bad_values(tmp_path, conditional, text, line, message):
    with pytest.raises(InputError) as info:
        load_job_order(_write(tmp_path, text), conditional)
    assert info.value.message.startswith(message)
    assert f"inputs.yml:{line}:" in str(info.value)


def test_extra_key_beside_a_given_input_is_ignored_with_a_warning(tmp_path, conditional, caplog):
    """Like cwltool (job files are shared between tools): only a near miss of an input not given is an error."""
    order = load_job_order(_write(tmp_path, "message: hi\nmesage: hi\n"), conditional)
    assert order == {"message": "hi"}
    assert any("ignoring 'mesage'" in r.getMessage() and "inputs.yml:2:" in r.getMessage() for r in caplog.records)


def test_numbers(tmp_path, data):
    wf = load(data("simulation.cwl"))
    assert load_job_order(_write(tmp_path, "n_runs: 3\n"), wf) == {"n_runs": 3}
    with pytest.raises(InputError, match=r"input 'n_runs' expects int but got 2\.5"):
        load_job_order(_write(tmp_path, "n_runs: 2.5\n"), wf)
    with pytest.raises(InputError, match="input 'n_runs' expects int but got true"):
        load_job_order(_write(tmp_path, "n_runs: true\n"), wf)


def test_missing_file_points_at_the_element(tmp_path, scatter):
    (tmp_path / "a.txt").write_text("a\n")
    path = _write(
        tmp_path,
        "particles: [gamma]\nzeniths: ['20']\ninfiles:\n  - {class: File, location: a.txt}\n"
        "  - {class: File, location: b.txt}\n",
    )
    with pytest.raises(InputError) as info:
        load_job_order(path, scatter)
    assert info.value.message == f"input 'infiles': file {tmp_path / 'b.txt'} does not exist"
    assert ":5:5: " in str(info.value)


def test_file_needs_a_location(tmp_path, scatter):
    path = _write(tmp_path, "particles: []\nzeniths: []\ninfiles: [{class: File}]\n")
    with pytest.raises(InputError, match="input 'infiles': a File needs 'location' or 'path'"):
        load_job_order(path, scatter)


def test_named_types(data, tmp_path):
    wf = load(data("multi", "pipeline.cwl"))
    order = load_job_order(data("multi", "inputs.yml"), wf)
    assert order == {"particle": "gamma", "pointing": {"zenith": 20.0, "azimuth": 180.0}}
    with pytest.raises(
        InputError,
        match=r"input 'particle' must be one of gamma, proton, electron, not 'gamam' "
        r"\(did you mean 'gamma'\?\)",
    ):
        load_job_order(_write(tmp_path, "particle: gamam\npointing: {zenith: 1.0, azimuth: 2.0}\n"), wf)
