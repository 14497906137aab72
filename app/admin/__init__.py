"""Platform administration (平台管理): pages for admins. What other modules may use."""
from . import describe, policy
from .describe import markdown as workflows_markdown
from .health import bp as health_bp
from .users import bp as users_bp
from .views import bp

__all__ = ["bp", "describe", "health_bp", "policy", "users_bp", "workflows_markdown"]
