"""The measurement model as data, and its loader."""

from colead.framework.loader import (
    default_framework_path,
    framework_problems,
    load_framework,
    parse_framework,
)
from colead.framework.model import (
    Competence,
    Continuum,
    DevelopmentAction,
    Family,
    Framework,
    Item,
    RatedUnit,
    ResponseScale,
    Scale,
)

__all__ = [
    "Competence",
    "Continuum",
    "DevelopmentAction",
    "Family",
    "Framework",
    "Item",
    "RatedUnit",
    "ResponseScale",
    "Scale",
    "default_framework_path",
    "framework_problems",
    "load_framework",
    "parse_framework",
]
