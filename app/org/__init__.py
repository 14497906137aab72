"""Departments (政务部门): tree, region level, 统一社会信用代码, catalog node. What other modules may use."""
from .credit_code import credit_code_problem
from .models import Department, RegionLevel
from .services import authority, departments_loaded, load_departments

__all__ = ["Department", "RegionLevel", "authority", "credit_code_problem", "departments_loaded", "load_departments"]
