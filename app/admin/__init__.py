"""Platform administration (平台管理): pages for admins. What other modules may use."""
from . import describe, policy
from .describe import markdown as workflows_markdown
from .views import bp

__all__ = ["bp", "describe", "policy", "workflows_markdown"]
