"""The order in which a backend creates a request's steps: every parent before its children."""

from __future__ import annotations

from cwl2dirac.errors import ValidationError
from cwl2dirac.request.model import ProductionRequest, StepSpec


def parents_first(request: ProductionRequest) -> list[StepSpec]:
    """The request's steps with every parent before its children (stable: request order otherwise).

    DIRAC's ``ProductionClient.addProductionStep`` renames a step ``Step<n>_<name>`` when it is added and records
    the parents' names as they are at that moment, and CTADIRAC's ProdSteps want ``parentID < ID``: both need the
    parents first. Raises :class:`ValidationError` for a parent that is not in the request or a cycle.
    """
    by_name = {s.name: s for s in request.steps}
    done: dict[str, StepSpec] = {}
    visiting: set[str] = set()

    def visit(step: StepSpec) -> None:
        if step.name in done:
            return
        if step.name in visiting:
            raise ValidationError(f"step '{step.name}' is its own ancestor (cycle through parents)")
        visiting.add(step.name)
        for parent in step.parents:
            if parent not in by_name:
                raise ValidationError(f"step '{step.name}': parent step '{parent}' is not in the request")
            visit(by_name[parent])
        visiting.discard(step.name)
        done[step.name] = step

    for step in request.steps:
        visit(step)
    return list(done.values())
