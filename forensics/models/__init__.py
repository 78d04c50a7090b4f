from .audit import AuditRecord
from .evidence import Photo, PhotoDuplicate, PhotoState
from .findings import Finding, FindingPhoto, FindingStatus
from .weapons import (
    CustodyAction,
    CustodyEvent,
    LocationPrecision,
    Recovery,
    Sharing,
    WeaponKind,
    WeaponSystem,
    WeaponSystemAlias,
)

__all__ = [
    "AuditRecord",
    "CustodyAction",
    "CustodyEvent",
    "Finding",
    "FindingPhoto",
    "FindingStatus",
    "LocationPrecision",
    "Photo",
    "PhotoDuplicate",
    "PhotoState",
    "Recovery",
    "Sharing",
    "WeaponKind",
    "WeaponSystem",
    "WeaponSystemAlias",
]
