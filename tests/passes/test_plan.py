"""plan_steps: drivers, side inputs and task counts of every step."""

from __future__ import annotations

import pytest

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import PortRef
from cwl2dirac.passes.plan import dirac_name, plan_steps


@pytest.fixture(scope="module")
def simulation(run_passes):
    return run_passes("simulation.cwl", "simulation.yml", until=plan_steps).plans


def test_simulation_is_one_task_per_run(simulation):
    sim = simulation["simulate"]
    assert sim.drivers == ()
    assert sim.task_values == {"run_number": [1, 2, 3, 4, 5]}  # the ExpressionTool 'runs', folded
    assert sim.tasks == 5
    assert "runs" not in simulation


def test_processing_scatters_over_the_simulated_files(simulation):
    process = simulation["process"]
    assert process.drivers == (PortRef("simulate", "out"),)
    assert process.scattered_over_files
    assert process.tasks == 5


def test_gather_takes_all_files_in_one_task(simulation):
    merge = simulation["merge"]
    assert merge.drivers == (PortRef("process", "out"),)
    assert not merge.scattered_over_files
    assert merge.tasks == 1


def test_task_counts_unknown_without_inputs(run_passes):
    plans = run_passes("simulation.cwl", until=plan_steps).plans
    assert plans["simulate"].tasks is None and plans["simulate"].task_values is None
    assert plans["process"].tasks is None


def test_scatter_over_input_files_and_values(run_passes):
    plans = run_passes("scatter.cwl", "scatter.yml", until=plan_steps).plans
    assert plans["copy"].drivers == (PortRef(None, "infiles"),)
    assert plans["copy"].scattered_over_files and plans["copy"].tasks == 3
    sweep = plans["sweep"]
    assert sweep.drivers == () and sweep.tasks == 6
    assert sweep.task_values == {
        "first": ["gamma", "gamma", "gamma", "proton", "proton", "proton"],
        "second": ["20", "40", "60", "20", "40", "60"],
    }


def test_nested_crossproduct_over_values_is_one_task_per_combination_gathered_nested(run_passes):
    plans = run_passes("scatter_nested.cwl", until=plan_steps).plans
    assert plans["sweep"].tasks is None and plans["sweep"].task_layout is None
    sweep = run_passes("scatter_nested.cwl", "scatter.yml", until=plan_steps).plans["sweep"]
    assert sweep.tasks == 6
    assert sweep.task_values == {
        "first": ["gamma", "gamma", "gamma", "proton", "proton", "proton"],
        "second": ["20", "40", "60", "20", "40", "60"],
    }
    assert sweep.task_layout == [[1, 2, 3], [4, 5, 6]]


def test_scatter_over_files_of_two_parents_is_refused(run_passes):
    with pytest.raises(
        UnsupportedFeature, match=r"step 'pair': scatter over several file inputs \(first, second\)"
    ):
        run_passes("bad/two_parents.cwl", until=plan_steps)


def test_fan_in_and_defaults(run_passes):
    plans = run_passes("fanin.cwl", "fanin.yml", until=plan_steps).plans
    assert plans["join"].drivers == (PortRef("gamma", "out"), PortRef("proton", "out"))
    assert plans["count"].drivers == (PortRef("gamma", "out"), PortRef("proton", "out"))
    plans = run_passes("conditional.cwl", "conditional.yml", until=plan_steps).plans
    assert plans["tagged"].drivers == () and plans["tagged"].tasks == 1


def test_dirac_name():
    assert dirac_name("gamma/process") == "gamma.process"
    assert dirac_name("a b") == "a_b"
