"""The DCAT export (DCAT 导出): the open catalog (开放目录) as DCAT-AP in Turtle, JSON-LD and RDF/XML, mapped from
the schema's `dcat` declarations (see docs/api.md, "DCAT")."""
from .views import bp

__all__ = ["bp"]
