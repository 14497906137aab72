"""Our own JSON endpoints (/api/v1/…) for what CKAN has no words for: share requests, demands, change events and
error reports, each as its pages show it to the same caller. `RESOURCES` declares them (paths, parameters, JSON
Schemas) for the OpenAPI document."""
from .params import PAGING, Param
from .resources import Resource
from .views import PREFIX, RESOURCES, bp

__all__ = ["PAGING", "PREFIX", "RESOURCES", "Param", "Resource", "bp"]
