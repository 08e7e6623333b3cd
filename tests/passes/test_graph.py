"""build_graph: the step DAG with its data edges; cycles are refused and named."""

from __future__ import annotations

import pytest

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import Edge, PortRef
from cwl2dirac.loader import load
from cwl2dirac.passes.graph import build_graph, step_graph, topological


def test_fan_in_edges(run_passes):
    graph = run_passes("fanin.cwl", until=build_graph).graph
    assert set(graph.edges) == {
        ("gamma", "join"),
        ("proton", "join"),
        ("gamma", "count"),
        ("proton", "count"),
    }
    assert graph.edges["gamma", "join"]["edges"] == [Edge(PortRef("gamma", "out"), "join", "first")]
    assert graph.edges["proton", "count"]["edges"] == [Edge(PortRef("proton", "out"), "count", "files")]
    assert graph.nodes["join"]["step"].id == "join"


def test_topological_order_is_stable(run_passes):
    graph = run_passes("fanin.cwl", until=build_graph).graph
    assert topological(graph) == ["gamma", "proton", "count", "join"]
    graph = run_passes("subworkflow.cwl", until=build_graph).graph
    assert topological(graph) == ["each/say", "each/copy", "once/say", "once/copy", "total"]


def test_cycle_is_named(data):
    with pytest.raises(ValidationError) as info:
        step_graph(load(data("bad", "cycle.cwl")))
    assert info.value.message == "the workflow has a cycle: a -> b -> a"
    assert str(info.value).endswith("cycle.cwl:7:3: the workflow has a cycle: a -> b -> a")
