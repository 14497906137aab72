"""Departments (政务部门): tree, region level, 统一社会信用代码, catalog node. What other modules may use."""
from .contacts import contact_history, contact_problems, current_contacts, normalize_phone
from .credit_code import credit_code_problem
from .models import CONTACT_ROLES, Department, DepartmentContact, RegionLevel
from .services import authority, departments_loaded, load_departments

__all__ = ["CONTACT_ROLES", "Department", "DepartmentContact", "RegionLevel", "authority", "contact_history",
           "contact_problems", "credit_code_problem", "current_contacts", "departments_loaded", "load_departments",
           "normalize_phone"]
