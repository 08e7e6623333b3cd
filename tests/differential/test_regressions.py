"""Divergences from cwltool found by the differential generator (issue 16), one hand-written workflow each.

Each folder of ``tests/data/differential/<name>/`` holds ``wf.cwl``, its input files and ``job.yml`` (absent: the
workflow is run without a job order). The two engines are compared as the generated workflows are
(tests/differential/oracle.py): the output objects must be equal, or cwl2dirac must refuse with exit 33 up front.
Each entry's comment is the guessed cause.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from differential.oracle import Verdict, compare

DATA = Path(__file__).resolve().parents[1] / "data" / "differential"

REGRESSIONS = [
    # loadContents on a sub-workflow step's input (or on the sub-workflow's own input parameter): flattening dropped
    # it, so the inner tool's File had no contents (a silent difference in its output, exit 0, seed 7 case 190; or
    # a failing expression). passes/flatten.py: the inner steps that take that input load the contents.
    "subworkflow_step_input_load_contents",
    # A File[][] through linkMerge: merge_flattened of its one source to a File[][] input: the plan took the splice
    # for a flattening to File[] and let the nested array through the catalog; the tasks, formed from its files,
    # failed ("the value File 'c.txt' is not a list", exit 1; seed 6 cases 1466-1469). Refused (33) now.
    "merge_flattened_nested_file_array_source",
    # A step scattered over the items of one task's File[] output, each element giving a File[]: the elements were
    # told apart by the index of the task that made them, which the items share, so every element's files were
    # gathered as one (1 array of 6 files where cwltool has 3 of 2), exit 0 (seed 6 case 226). worker/task.py
    # element_index: an item of a non-scattered task's array is placed by its item number.
    "scatter_over_array_items_of_one_task",
    # A scatter over a parent's files beside the same files taken whole: tasks made before the parent was complete
    # saw some of the files only (nondeterministic: 2 of 3 in most runs with -j 2, exit 0). passes/emit.py: the
    # producers of side inputs are in `after` even when they are parents.
    "scatter_over_parent_files_beside_them_whole",
    # A scattered sub-workflow step with a second input taking the scattered input's source whole: flattening took
    # it for a per-element value (any inner input whose source was a scattered input's source) and scattered it too,
    # a type error at compile time where cwltool runs it (seed 5 cases 981-982).
    "scattered_subworkflow_same_source_whole",
    # A sub-workflow step's input with a source that is null and a default: flattening kept the source and dropped
    # the default (the inner step got null where cwltool gives the default, exit 0; differential seed 5 case 609).
    "subworkflow_step_default_with_null_source",
    # The sub-workflow input's default and the inner step input's default: flattening preferred the inner step's;
    # cwltool fills the sub-workflow input first. passes/flatten.py now takes the first default of the chain.
    "subworkflow_input_default_before_inner_step_default",
    # One source of type string[]? merged flattened into (string[]?)[]: refused as a type error at compile time (exit
    # 1) where cwltool, reading each member of the union, runs it (differential seed 5 case 599). check_types now
    # flattens a union member by member.
    "merge_flattened_optional_array_source",
    # A step scattered over values with `when` (one element skipped) whose File and int outputs another step
    # gathers: the skipped element's null was missing ([f, f] where cwltool has [f, null, f]), exit 0 (differential
    # seed 5 cases 622-625). The input now places the values by the producer's tasks (InputBinding.layout).
    "skipped_scatter_elements_gathered_by_a_step",
    # A scatter over a string array beside a non-scattered File: tasks are made per input file, so one task over the
    # one file; the other values are dropped (1 output of 3, exit 0).
    "scatter_values_beside_file",
    # A workflow input's default, run without a job order: compiler._compile leaves job_order None and
    # passes/configs._inputs skips the source, so the tool's own default (7) is used instead of the workflow's (3).
    "workflow_default_no_job_order",
    # Same, when the tool has no default of its own: the task fails ("Invalid job input record:").
    "workflow_default_no_job_order_no_tool_default",
    # Same workflow with an empty job order ({}): the default must arrive (a guard for the fix of the two above).
    "workflow_default_empty_job_order",
    # A scatter over an array of File arrays (File[][] -> File[] per task): the scatter is flattened to one task
    # per file (5 tasks, each given a single File where File[] is declared, all failing) instead of one per inner
    # array (3).
    "scatter_file_arrays",
    # The same scatter with a `when` that is false: 5 nulls where cwltool gives 3, exit 0 (silently wrong shape).
    "scatter_file_arrays_when_false",
    # A step input's `loadContents: true` (WorkflowStepInput.loadContents, new in v1.2) is dropped: the tool sees the
    # File without `contents` (cwltool loads it); the task's configuration keeps only the tool's own loadContents.
    "step_input_load_contents",
    # A step scattered over `file` (from the File[] input `files`) with another, non-scattered input `all` from the
    # same source: cwl2dirac gives `all` the current task's file only (cwltool: all three), exit 0. The non-scattered
    # input seems bound to the task's input data (the scattered source's files), not to the whole workflow value.
    "scatter_same_source_unscattered",
    # Same cause through a valueFrom: `total: {source: files, valueFrom: $(self.length)}` is 1, not 3.
    "scatter_same_source_unscattered_value_from",
    # A scatter over values beside an optional File input that is null (config: null): 1 task/1 output of 3, exit 0
    # (found by the fixed-seed test, cases 9-10). Class (a) again: the File? input seems taken as the step's input
    # data even when it is null; the fix for (a) must cover an absent/null File too.
    "scatter_values_beside_null_optional_file",
    # A scatter over string[][] whose value is the workflow input's default, with an empty job order: 6 tasks (one
    # per string, each failing "Invalid job input record:") instead of 3; the same array given in the job order
    # works. The default seems expanded into task values one level too deep (flattened) on the default's path.
    "scatter_nested_values_default_empty_job_order",
    # A scatter over an EMPTY string array beside a File: cwltool gives [] ; cwl2dirac makes one task from the file,
    # which fails "task 1 out of range: run has 0 values", is retried 3 times (a deterministic failure treated as
    # retryable), exit 1. Class (a) at the empty edge: the tasks must come from the values (none here).
    "scatter_empty_values_beside_file",
    # A File[][] workflow input given whole (not scattered) to a tool: the nesting is lost, apparently flattened to
    # the list of its files (as a file-carrying input travels through the catalog): [[], [f1], []] fails the task
    # ("Invalid job input record:"), cwltool prints "3 groups of sizes 0,1,0".
    "nested_file_array_input",
    # Same with [[]] (found by the generator, seed 2 case 24): the tool gets [] instead of [[]], exit 0 (silent).
    "nested_file_array_empty_inner",
    # Generated (seed 2 case 107): one tool whose outputs are a File with a `.idx` secondary file and a record
    # {n: int, f: File} globbing the same out.txt. cwltool's relocateOutputs (run on the tool alone, as the worker
    # does, with move or copy alike) raised KeyError 'file://…/out.txt.idx' in its path mapper: cwltool on the whole
    # workflow relocates only the workflow's outputs and does not meet it. cwltool's PathMapper.visit returns at a
    # location already mapped (out.txt, met first without secondaries) before mapping the File's secondaryFiles.
    # Fixed in the worker with a path mapper that maps them (RuntimeContext.path_mapper, worker/task.py).
    "secondary_file_and_record_output",
    # Generated (seed 3 case 31): a tool input File[][] made by linkMerge: merge_nested of the same File[] workflow
    # input (one file, with secondaries) twice: the task failed "Invalid job input record: the 'p3' field" (cwltool
    # runs it). A File[] workflow input of one file was registered like a single File (no item number), so each
    # source's value became that File, not a one-File array. Fixed: an array input's files are items 1, 2…
    "merge_nested_file_arrays_with_secondaries",
    # Generated (seed 16 case 9): a workflow input's default File with a required secondary file, given straight to
    # a workflow output, run without a job order: the output lost its secondaryFiles (the output's default was taken
    # as written; the input's registration had them). Fixed: both take the default as the job order would give it.
    "default_file_with_secondary_as_output",
    # Generated (seed 4 cases 264, 265): a File[][] workflow input's default given straight to a workflow output, run
    # without a job order: the output was flat (4 Files where cwltool gives [[a], [b, c, d], []]). cwl-utils splices
    # nested lists of a default; the loader took the file's nesting back only when the values were equal, and a
    # File's location is made absolute by the loader. Fixed: the loaded items nested as the file has them.
    "default_nested_file_arrays_as_output",
    # Generated (seed 4 cases 469-474): records of a step scattered over an empty array (no task, no carrier),
    # merged twice with merge_flattened: each source became null ([null, null]: "is not a dict"), where cwltool has
    # [] + [] = []. The worker told an array source from a single one by its entries; none were there. Fixed: the
    # configuration says, per merged source, whether its value is the array of its entries (source_gathers).
    "merge_flattened_empty_scatter_values",
    # Generated (seed 4 case 569): the same with one source and linkMerge: merge_nested: null where cwltool has [[]].
    "merge_nested_single_empty_scatter_source",
    # Generated (seed 4 case 650): a scattered step's File[] outputs taken whole (File[][]) by the next step: the
    # plan's nested-array check read the tool's type (File[]), not the gathered one; the files arrived flat, exit 0
    # with other outputs. Now refused (33), as a File[][] workflow input given to a step is.
    "scattered_file_arrays_taken_whole",
]


def _compare(name: str, tmp_path: Path) -> Verdict:
    """Both engines on a copy of the regression folder ``name`` (no ``job.yml``: no job order)."""
    folder = tmp_path / name
    shutil.copytree(DATA / name, folder)
    job = folder / "job.yml"
    return compare(folder, folder / "wf.cwl", job if job.exists() else None)


@pytest.mark.slow
@pytest.mark.parametrize("name", REGRESSIONS)
def test_cwl2dirac_agrees_with_cwltool(name: str, tmp_path: Path) -> None:
    verdict = _compare(name, tmp_path)
    assert verdict.kind in ("equal", "refused"), verdict.report()


def test_every_regression_folder_is_listed() -> None:
    """(``_dirac`` holds generated cases for tests/integration/test_differential_dirac.py; ``dirac_*`` are regressions
    on DIRAC only, tested there.)"""
    listed = sorted(p.name for p in DATA.iterdir() if p.is_dir() and not p.name.startswith(("_dirac", "dirac_")))
    assert listed == sorted(REGRESSIONS)
