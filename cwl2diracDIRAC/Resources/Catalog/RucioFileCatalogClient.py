"""DIRAC's Rucio catalog client, with what the Production and Transformation Systems ask of a catalog besides it.

DIRAC 9.1.22's ``RucioFileCatalogClient`` has ``setMetadata(Bulk)``, ``findFilesByMetadata`` and
``getFileUserMetadata``, but no ``getMetadataFields``, which the ProductionManager's validator (``startProduction``)
and the TransformationDB's file filtering call: with Rucio as the only catalog they fail. Rucio's JSON metadata
has no declared fields, so this client keeps the declarations in Rucio itself, in the configuration section
:data:`FIELDS_SECTION` (field name → DIRAC type, e.g. ``INT``, ``VARCHAR(128)``): ``addMetadataField`` writes one
(an administrator's call, as the DIRAC File Catalog's is), ``getMetadataFields`` reads them, in the DIRAC File
Catalog's answer shape (``FileMetaFields``; no directory-level fields: Rucio keeps metadata on DIDs).

DIRAC finds it by name (``Resources/FileCatalogs/RucioFileCatalog``, ``CatalogType = RucioFileCatalog``): its
ObjectLoader looks in extensions first, so this class, in the cwl2dirac extension, is the one DIRAC makes.
"""

from __future__ import annotations

import re
from typing import Any

from DIRAC import S_ERROR, S_OK
from DIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient as _DiracRucioFileCatalogClient

FIELDS_SECTION = "cwl2dirac_metadata_fields"
"""The Rucio configuration section holding the declared metadata fields (option: field, value: DIRAC type)."""
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TYPES = re.compile(r"^(INT|FLOAT|DATE|DATETIME|VARCHAR\(\d+\)|MetaSet|UNSIGNED|)$", re.IGNORECASE)


class RucioFileCatalogClient(_DiracRucioFileCatalogClient):
    """DIRAC's Rucio catalog client plus declared metadata fields (``getMetadataFields``, ``addMetadataField``,
    ``deleteMetadataField``)."""

    NO_LFN_METHODS = [
        *_DiracRucioFileCatalogClient.NO_LFN_METHODS, "getMetadataFields", "addMetadataField", "deleteMetadataField"
    ]
    ADMIN_METHODS = [*_DiracRucioFileCatalogClient.ADMIN_METHODS, "addMetadataField", "deleteMetadataField"]

    def getMetadataFields(self, timeout: int = 120) -> dict[str, Any]:
        """``{"FileMetaFields": {field: type}, "DirectoryMetaFields": {}}`` of the declared fields."""
        try:
            declared = self.client.get_config(section=FIELDS_SECTION)
        except Exception as exc:  # Rucio answers ConfigNotFound for a section without an option yet
            if type(exc).__name__ != "ConfigNotFound":
                return S_ERROR(f"Rucio: cannot read the declared metadata fields: {exc}")
            declared = {}
        fields = {str(k): str(v) for k, v in (declared or {}).items()}
        return S_OK({"FileMetaFields": fields, "DirectoryMetaFields": {}})

    def addMetadataField(self, fieldName: str, fieldType: str, metaType: str = "-f", timeout: int = 120) -> Any:
        """Declare ``fieldName`` of DIRAC type ``fieldType`` (``metaType``: ``-f`` or ``-d``; both are file-level
        in Rucio)."""
        if not _KEY.match(str(fieldName)):
            return S_ERROR(f"metadata field {fieldName!r}: Rucio's JSON metadata keys are letters, digits, '_' and "
                           "'-' (its filters read '.' as an operator)")
        if not _TYPES.match(str(fieldType)):
            return S_ERROR(f"metadata field {fieldName!r}: unknown type {fieldType!r}")
        try:
            self.client.set_config_option(FIELDS_SECTION, str(fieldName), str(fieldType))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot declare the metadata field {fieldName!r}: {exc}")
        return S_OK(f"Added new metadata: {fieldName}")

    def deleteMetadataField(self, fieldName: str, timeout: int = 120) -> Any:
        try:
            self.client.delete_config_option(FIELDS_SECTION, str(fieldName))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot remove the metadata field {fieldName!r}: {exc}")
        return S_OK()
