"""Run-time errors name the CWL file:line:col of the expression they come from, and keep their whole reason
(issue 16): the request's ``StepConfig.sources``, the worker's matching of cwltool's messages to them, the one-line
reason of cwltool's messages of several lines, the failure line with the place first."""

from __future__ import annotations

from pathlib import Path

from cwl2dirac._api import failure_line
from cwl2dirac.backends.base import FailedTask
from cwl2dirac.backends.local.runner import _last_error
from cwl2dirac.errors import expression_failure, one_line
from cwl2dirac.request.expressions import expression_strings, source_of_error, tool_key

TOOL = {
    "class": "CommandLineTool",
    "arguments": [{"valueFrom": '$(inputs.mode == "arg" ? null.x : "ok")'}, "-v"],
    "inputs": {"m": {"type": "string"}},
    "outputs": [
        {"id": "out", "type": "File", "outputBinding": {"glob": "$(inputs.m).txt"}},
        {"id": "n", "type": "int",
         "outputBinding": {"glob": "n.txt", "outputEval": "${\n  var x = null;\n  return x.y;\n}"}},
    ],
}
SOURCES = {
    "tool.arguments.0.valueFrom": "tool.cwl:6:5",
    "tool.outputs.out.outputBinding.glob": "tool.cwl:14:7",
    "tool.outputs.n.outputBinding.outputEval": "tool.cwl:18:7",
}
PREFIX = "file:///tmp/task/s.cwl#tool.cwl:1:1: "


def _script(code_lines: list[str], error: str) -> str:
    """A cwltool 'Expression evaluation error' as the worker sees it: every line behind cwltool's location."""
    lines = ["Expression evaluation error:", "Expecting value: line 1 column 1 (char 0)", "script was:",
             '01 "use strict";', "02 var inputs = {};"]
    lines += [f"{n:02d} {line}" for n, line in enumerate(code_lines, start=3)]
    lines += ["stdout was: ''", "stderr was: 'evalmachine.<anonymous>:3", "", error, "    at evalmachine:3:50'"]
    return "\n".join(PREFIX + line for line in lines)


def test_the_keys_name_the_expressions_as_locations_do():
    keys = {tool_key(path) for path, _ in expression_strings(TOOL)}
    assert set(SOURCES) <= keys and "tool.outputs.n.outputBinding.glob" in keys


def test_a_javascript_error_is_traced_to_its_expression():
    text = _script(['(function(){return ((inputs.mode == "arg" ? null.x : "ok"));})()'],
                   "TypeError: Cannot read properties of null (reading 'x')")
    assert source_of_error(TOOL, SOURCES, text) == "tool.cwl:6:5"
    body = _script(["(function(){", "  var x = null;", "  return x.y;", "})()"], "TypeError: x is null")
    assert source_of_error(TOOL, SOURCES, f"Error collecting output for parameter 'n': {body}") == "tool.cwl:18:7"


def test_an_output_error_without_a_script_names_that_output_s_expression():
    assert source_of_error(TOOL, SOURCES, "output 'out': glob '../x' climbs out with '..'") == "tool.cwl:14:7"
    assert source_of_error(TOOL, SOURCES, "Error collecting output for parameter 'n': boom") == "tool.cwl:18:7"
    assert source_of_error(TOOL, SOURCES, "Error collecting output for parameter 'out': boom") == "tool.cwl:14:7"


def test_no_place_when_it_cannot_be_told():
    assert source_of_error(TOOL, SOURCES, "Missing required input parameter 'm'") is None
    assert source_of_error(TOOL, {}, _script(["(function(){return ((1));})()"], "Error: x")) is None


def test_a_message_of_several_lines_keeps_its_reason():
    record = f"Invalid job input record:\n{PREFIX}Missing required input parameter 'm'"
    assert one_line(record) == "Invalid job input record: Missing required input parameter 'm'"
    assert expression_failure(Exception("Invalid job input record:\nthe 'm' field is not valid because\n"
                                        "  the value is not string")) == (
        "Invalid job input record: the 'm' field is not valid because the value is not string")
    assert one_line("Error collecting output:\n in {\n  'a': 1\n}") == "Error collecting output:"
    # a File schema-salad prints whole (cut with [...]) is named, so the reason after it fits in the line
    value = "{'basename': 'a.txt',\n 'class': 'File',\n 'location': 'file:///t/a.txt',\n 'secondaryFiles': [{'b.[...]"
    assert one_line(f"Invalid job input record:\nthe 'p3' field is not valid because\n  item is invalid because\n"
                    f"    the value {value} is not a list, expected list of File") == (
        "Invalid job input record: the 'p3' field is not valid because item is invalid because the value "
        "File 'a.txt' is not a list, expected list of File")
    # a JavaScript error behind cwltool's locations is found, not the script around it
    assert expression_failure(Exception(_script(["x"], "ReferenceError: y is not defined"))) == (
        "ReferenceError: y is not defined")


def test_the_run_s_line_starts_with_the_place():
    failed = FailedTask("say", 1, 1, "/w/logs/say/1.log", "wf.cwl:20:5: step 'say': 'when' failed: Error: x",
                        exit_code=34)
    line = failure_line(failed)
    assert line.startswith("wf.cwl:20:5: say task 1 failed for good after 1 attempt(s) (not retried: ")
    assert line.endswith("): step 'say': 'when' failed: Error: x (log: /w/logs/say/1.log)")
    plain = failure_line(FailedTask("say", 1, 3, "l.log", "the tool exited with status 2 (cwltool: permanentFail)"))
    assert plain.startswith("say task 1 failed for good after 3 attempt(s): the tool exited")


def test_the_runner_reads_the_worker_s_whole_error(tmp_path: Path):
    log = tmp_path / "task.log"
    log.write_text("INFO cwl2dirac.worker: staging\nERROR cwl2dirac.worker: task 1 failed: tool.cwl:6:5: the tool's "
                   "inputs: Invalid job input record:\nthe 'm' field is not valid because\n  the value is not string\n"
                   "Traceback (most recent call last):\n  File \"x.py\", line 1\n")
    assert _last_error(str(log)) == ("tool.cwl:6:5: the tool's inputs: Invalid job input record: the 'm' field is "
                                     "not valid because the value is not string")


def test_the_compiler_records_where_each_expression_is(data, monkeypatch):
    import cwl2dirac

    folder = Path(data("bad", "run_valuefrom_js_error"))
    monkeypatch.chdir(folder)
    (step,) = cwl2dirac.compile("wf.cwl", "inputs.yml", bodies=False).steps
    assert step.config.sources == {"in.message.valueFrom": "wf.cwl:20:9"}
    monkeypatch.chdir(folder.parent / "escape_glob_computed_array")
    (step,) = cwl2dirac.compile("tool.cwl", bodies=False).steps
    assert step.config.sources == {"tool.outputs.out.outputBinding.glob": "tool.cwl:13:7"}
    # a step without expressions carries none (its configuration is written as before)
    monkeypatch.chdir(folder.parent.parent)
    request = cwl2dirac.compile("tools/cat.cwl", bodies=False)
    assert request.steps[0].config.sources is None and "sources" not in request.steps[0].config.wire_data()
