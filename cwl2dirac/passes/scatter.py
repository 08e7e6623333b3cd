"""The tasks of a scatter over values known when compiling: one per combination of its elements.

A step's scatters (:attr:`~cwl2dirac.ir.Step.levels`: its own, or a scattered sub-workflow's and then its own)
are expanded in order, outermost first; each level picks, per combination of its parameters' elements (by its
method), the element of each parameter for the inputs it feeds, and the next level scatters over what the inputs
hold then. Every combination is one task; the *layout* holds the task numbers nested as cwltool gathers the
outputs (``dotproduct`` and ``flat_crossproduct``: one array level, ``nested_crossproduct``: one per parameter).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.ir import ScatterLevel, Step
from cwl2dirac.request.layout import is_flat_layout


@dataclass(frozen=True, slots=True)
class Expansion:
    """The tasks of a scatter over known values."""

    task_values: dict[str, list[Any]]
    """Per scattered input, its value in each task (task N takes element N-1), before ``valueFrom``."""
    layout: list[Any]
    """The task numbers (from 1), nested as the step's gathered outputs are."""

    @property
    def nested_layout(self) -> list[Any] | None:
        """The layout when the outputs are not simply gathered in task order (None then)."""
        return None if is_flat_layout(self.layout) else self.layout


def expand(step: Step, values: Mapping[str, Any]) -> Expansion:
    """The tasks of ``step`` scattered over ``values`` (each scattered input's whole value, before valueFrom)."""
    ports = list(step.scatter)
    tasks: list[dict[str, Any]] = []
    levels = step.levels

    def run(depth: int, current: dict[str, Any]) -> Any:
        if depth == len(levels):
            tasks.append({p: current[p] for p in ports})
            return len(tasks)
        level = levels[depth]
        arrays = [_array(step, level, params, current) for params in level.params]

        def pick(indices: tuple[int, ...]) -> Any:
            chosen = dict(current)
            for params, array, k in zip(level.params, arrays, indices, strict=True):
                for p in params:
                    chosen[p] = array[k]
            return run(depth + 1, chosen)

        return combinations(step, level, [len(a) for a in arrays], pick)

    layout = run(0, dict(values))
    if not isinstance(layout, list):  # pragma: no cover - a scattered step has a level
        raise UnsupportedFeature(f"step '{step.id}': not scattered", step.location)
    return Expansion({p: [t[p] for t in tasks] for p in ports}, layout)


def combinations(step: Step, level: ScatterLevel, lengths: list[int], pick: Any) -> list[Any]:
    """``pick(indices)`` for every combination of one level's elements, nested as the level's method gathers
    them (``indices``: the element of each parameter)."""
    if level.method == "dotproduct":
        if len(set(lengths)) > 1:  # (cwltool fails too)
            raise ValidationError(
                f"step '{step.id}': dotproduct scatter over arrays of different lengths {sorted(set(lengths))}",
                step.location,
            )
        return [pick((k,) * len(lengths)) for k in range(lengths[0] if lengths else 0)]
    if level.method == "flat_crossproduct":
        return [pick(ks) for ks in itertools.product(*(range(n) for n in lengths))]
    if level.method == "nested_crossproduct":

        def nest(prefix: tuple[int, ...]) -> list[Any]:
            n = lengths[len(prefix)]
            if len(prefix) == len(lengths) - 1:
                return [pick((*prefix, k)) for k in range(n)]
            return [nest((*prefix, k)) for k in range(n)]

        return nest(())
    raise UnsupportedFeature(f"step '{step.id}': unknown scatterMethod '{level.method}'", step.location)


def _array(step: Step, level: ScatterLevel, params: tuple[str, ...], current: Mapping[str, Any]) -> list[Any]:
    value = current.get(params[0])
    if not isinstance(value, list):
        raise UnsupportedFeature(
            f"step '{step.id}': scatter input '{params[0]}' is not an array (got {type(value).__name__})",
            step.location,
        )
    other = next((p for p in params[1:] if current.get(p) != value), None)
    if other is not None:  # (inputs fed by one sub-workflow input, with different defaults when it is null)
        raise UnsupportedFeature(
            f"step '{step.id}': inputs '{params[0]}' and '{other}' take the elements of one scattered parameter "
            "but hold different arrays",
            step.location,
        )
    return value
