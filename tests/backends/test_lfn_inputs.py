"""Job-order Files given as ``lfn:`` URIs, in both spellings (``lfn:/vo/path``, DIRAC's and dirac-cwl's, and
``lfn://vo/path``): one LFN in the request, a catalog input on DIRAC (it must exist there, nothing is uploaded), one
line naming the input on the local backend, before any work directory is made (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.dirac import RecordingService, recording_clients

import cwl2dirac
from cwl2dirac.backends.dirac.submission import Submission
from cwl2dirac.backends.inputs import plan_inputs
from cwl2dirac.cli import main
from cwl2dirac.cli._common import State
from cwl2dirac.errors import BackendError, PathEscape
from cwl2dirac.loader import load
from cwl2dirac.loader.job_order import load_job_order
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.lfn import lfn_of
from cwl2dirac.request.wire import ENV_WORKDIR_BASE

LFN = "/pi/100/result_1.sim"
SPELLINGS = ["lfn:/pi/100/result_1.sim", "lfn://pi/100/result_1.sim", "lfn:///pi/100/result_1.sim",
             "LFN:/pi/100/result_1.sim"]


@pytest.mark.parametrize("location", SPELLINGS)
def test_every_spelling_names_the_same_lfn(location: str) -> None:
    assert lfn_of(location) == LFN


def test_other_locations_are_not_lfns() -> None:
    assert lfn_of("file:///pi/x") is None and lfn_of("lfnx/y") is None and lfn_of("data/lfn:/x") is None


def _order(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inputs.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("key", ["location", "path"])
@pytest.mark.parametrize("location", SPELLINGS)
def test_the_job_order_keeps_it_as_one_lfn_uri(data: Any, tmp_path: Path, key: str, location: str) -> None:
    tool = load(data("tools", "cat.cwl"))
    order = load_job_order(_order(tmp_path, f"infile: {{class: File, {key}: '{location}'}}\n"), tool)
    assert order["infile"] == {"class": "File", "location": f"lfn:{LFN}"}


@pytest.mark.parametrize(("location", "why"), [("lfn:pi/100/x.sim", "is relative"),
                                                ("lfn:/pi/../etc/x", "has a '..' part")])
def test_a_bad_lfn_is_refused_at_its_location(data: Any, tmp_path: Path, location: str, why: str) -> None:
    tool = load(data("tools", "cat.cwl"))
    with pytest.raises(PathEscape) as info:
        load_job_order(_order(tmp_path, f"infile:\n  class: File\n  location: '{location}'\n"), tool)
    assert why in info.value.message and info.value.message.startswith("input 'infile': the LFN")
    assert str(info.value).startswith(f"{tmp_path}/inputs.yml:3:3: ")  # its location: key


def _request(data: Any, tmp_path: Path, location: str) -> ProductionRequest:
    return cwl2dirac.compile(data("tools", "cat.cwl"), _order(tmp_path, f"infile: {{class: File, location: "
                                                                         f"'{location}'}}\n"), bodies=False)


def test_both_spellings_compile_to_the_same_request(data: Any, tmp_path: Path) -> None:
    one, two = (_request(data, tmp_path, s).to_json() for s in SPELLINGS[:2])
    assert one == two


@pytest.mark.parametrize("location", SPELLINGS[:2])
def test_on_dirac_it_is_a_catalog_input(data: Any, tmp_path: Path, location: str) -> None:
    request = _request(data, tmp_path, location)
    (entry,) = plan_inputs(request, "/vo/demo", tmp_path)
    assert entry.lfn == LFN and entry.path is None  # nothing to upload: it is in the catalog already
    # a request written before the spellings were made one is read the same
    data_ = request.model_dump(mode="json")
    data_["inputs"][0]["files"][0]["location"] = location
    old = ProductionRequest.model_validate(data_)
    assert [e.lfn for e in plan_inputs(old, "/vo/demo", tmp_path)] == [LFN]


class _Catalog(RecordingService):
    def __init__(self, files: set[str]) -> None:
        super().__init__()
        self.files = files

    def _answer(self, name: str, args: tuple[Any, ...]) -> Any:
        if name == "exists":
            return {"Successful": {lfn: lfn in self.files for lfn in args[0]}, "Failed": {}}
        return super()._answer(name, args)


@pytest.mark.parametrize("location", SPELLINGS[:2])
def test_the_dirac_submission_asks_the_catalog_for_the_lfn(data: Any, tmp_path: Path, location: str) -> None:
    request = _request(data, tmp_path, location)
    service = _Catalog({LFN})
    assert Submission(request, recording_clients(service), []).register_inputs("/vo/demo", "LOCAL-DISK") == 0
    asked = [args[0] for name, args in service.calls if name == "exists"]
    assert [list(a) for a in asked] == [[LFN]]
    assert not any(name in ("putFile", "addFile") for name, _ in service.calls)

    with pytest.raises(BackendError, match=f"input file {LFN} is not in the DIRAC File Catalog"):
        Submission(request, recording_clients(_Catalog(set())), []).register_inputs("/vo/demo", "LOCAL-DISK")


@pytest.mark.parametrize("location", SPELLINGS[:2])
def test_a_local_run_refuses_it_in_one_line_naming_the_input(
    data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv(ENV_WORKDIR_BASE, str(runs))
    monkeypatch.setattr(State, "debug", False)
    order = _order(tmp_path, f"infile: {{class: File, location: '{location}'}}\n")
    result = CliRunner().invoke(main, ["run", "--quiet", data("tools", "cat.cwl"), str(order)], prog_name="cwl2dirac")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cwl2dirac: input 'infile': lfn:{LFN} is a file of the grid's catalog, not in this local run's catalog: "
        "give it as a local file (location: path/to/file), or submit the production to DIRAC (cwl2dirac submit)"
    ]
    assert not runs.exists() or not [p for p in runs.iterdir() if p.name != "_literals"], "a work directory was made"
