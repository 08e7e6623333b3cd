"""Fixtures of the DIRAC backend tests (helpers in ``dirac_fixtures``)."""

from dirac_fixtures import request_obj

__all__ = ["request_obj"]
