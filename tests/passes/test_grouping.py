"""assign_grouping: transformation type, group size, flush, and the dirac:Transformation overrides."""

from __future__ import annotations

from cwl2dirac.passes.grouping import UNKNOWN_GROUP_SIZE, assign_grouping


def _summary(plan):
    return plan.type, plan.group_size, plan.flush, plan.expected_files


def test_simulation_processing_merging(run_passes):
    plans = run_passes("simulation.cwl", "simulation.yml", until=assign_grouping).plans
    assert _summary(plans["simulate"]) == ("MCSimulation", 1, False, None)
    assert _summary(plans["process"]) == ("DataReprocessing", 1, False, 5)
    assert _summary(plans["merge"]) == ("Merging", 5, True, 5)  # a gather of all n_runs files


def test_gather_without_inputs_is_flushed(run_passes):
    plans = run_passes("simulation.cwl", until=assign_grouping).plans
    assert _summary(plans["process"]) == ("DataReprocessing", 1, False, None)
    assert _summary(plans["merge"]) == ("Merging", UNKNOWN_GROUP_SIZE, True, None)


def test_scatter_over_input_files(run_passes):
    plans = run_passes("scatter.cwl", "scatter.yml", until=assign_grouping).plans
    assert _summary(plans["copy"]) == ("DataReprocessing", 1, False, 3)
    assert _summary(plans["sweep"]) == ("MCSimulation", 1, False, None)


def test_join_of_two_parents(run_passes):
    plans = run_passes("fanin.cwl", "fanin.yml", until=assign_grouping).plans
    assert _summary(plans["join"]) == ("DataReprocessing", 2, True, 2)
    assert _summary(plans["count"]) == ("DataReprocessing", 2, True, 2)


def test_conditional_parents_give_an_unknown_count(run_passes):
    plans = run_passes("conditional.cwl", "conditional.yml", until=assign_grouping).plans
    assert _summary(plans["pick"]) == ("DataReprocessing", UNKNOWN_GROUP_SIZE, True, None)
    assert _summary(plans["list_b"]) == ("DataReprocessing", 2, True, 2)  # parents without 'when'


def test_transformation_hint_overrides(run_passes):
    plans = run_passes("hints.cwl", "hints.yml", until=assign_grouping).plans
    merge = plans["merge"]
    assert (merge.type, merge.plugin, merge.group_size, merge.agent_type, merge.max_retries) == (
        "Merging",
        "BySize",
        25,
        "Manual",
        4,
    )
    assert merge.flush
    simulate = plans["simulate"]
    assert (simulate.type, simulate.plugin, simulate.agent_type, simulate.max_retries) == (
        "MCSimulation",
        "Standard",
        "Automatic",
        2,
    )
