"""Accounts (用户与角色): users, their set of roles, sign-in. What other modules may use."""
from .models import ROLE_LABELS, Role, User, UserRole
from .protection import init_app as init_protection
from .services import authenticate, create_user
from .throttle import LoginFailure
from .views import bp

__all__ = ["ROLE_LABELS", "LoginFailure", "Role", "User", "UserRole", "authenticate", "bp", "create_user",
           "init_protection"]
