"""The compiler passes, applied in this order by :func:`cwl2dirac.compile`. Each takes and returns a
:class:`~cwl2dirac.passes.context.Compilation`."""

from cwl2dirac.passes.bodies import build_bodies
from cwl2dirac.passes.check_coverage import check_coverage
from cwl2dirac.passes.check_expressions import check_expressions
from cwl2dirac.passes.check_globs import check_globs
from cwl2dirac.passes.check_inplace import check_inplace
from cwl2dirac.passes.check_sources import check_sources
from cwl2dirac.passes.check_types import check_types
from cwl2dirac.passes.configs import build_configs
from cwl2dirac.passes.flatten import flatten
from cwl2dirac.passes.fold import fold_constants
from cwl2dirac.passes.graph import build_graph
from cwl2dirac.passes.grouping import assign_grouping
from cwl2dirac.passes.metadata import assign_metadata
from cwl2dirac.passes.overrides import apply_overrides
from cwl2dirac.passes.plan import plan_steps
from cwl2dirac.passes.sources import locate_expressions

PASSES = (
    flatten,
    apply_overrides,
    check_sources,
    check_inplace,
    check_globs,
    check_expressions,
    build_graph,
    check_types,
    fold_constants,
    plan_steps,
    assign_metadata,
    assign_grouping,
    build_configs,
    check_coverage,
    locate_expressions,
    build_bodies,
)

__all__ = ["PASSES"]
