"""The CKAN-compatible Action API (CKAN 兼容接口), our own JSON endpoints with their OpenAPI document, and the DCAT
export: translations of HTTP onto the services of the modules below. What other modules may use."""
from . import packages
from .dcat import bp as dcat_bp
from .openapi import bp as openapi_bp
from .views import bp

__all__ = ["bp", "dcat_bp", "openapi_bp", "packages"]
