"""Pass: the step DAG as a networkx DiGraph; cycles are refused with the cycle named.

Nodes are step ids (attribute ``step``: the :class:`~cwl2dirac.ir.Step`); an edge ``a → b`` carries the list of
:class:`~cwl2dirac.ir.Edge` values (``edges``) from outputs of ``a`` to inputs of ``b``.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import Edge, Workflow
from cwl2dirac.passes.context import Compilation


def build_graph(comp: Compilation) -> Compilation:
    return replace(comp, graph=step_graph(comp.workflow))


def step_graph(wf: Workflow) -> nx.DiGraph:
    graph = nx.DiGraph()
    for step in wf.steps:
        graph.add_node(step.id, step=step)
    for step in wf.steps:
        for inp in step.inputs:
            for src in inp.sources:
                if src.step is None:
                    continue
                data = graph.get_edge_data(src.step, step.id)
                if data is None:
                    graph.add_edge(src.step, step.id, edges=[Edge(src, step.id, inp.id)])
                else:
                    data["edges"].append(Edge(src, step.id, inp.id))
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return graph
    names = [u for u, _ in cycle] + [cycle[0][0]]
    first = graph.nodes[names[0]]["step"]
    raise ValidationError(f"the workflow has a cycle: {' -> '.join(names)}", first.location)


def topological(graph: nx.DiGraph) -> list[str]:
    """Step ids in a stable topological order (ties broken by name)."""
    return list(nx.lexicographical_topological_sort(graph))
