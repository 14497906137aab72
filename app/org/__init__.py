"""Departments (政务部门): tree, regions (行政区划) and region level, 统一社会信用代码, catalog node. What other
modules may use."""
from .contacts import contact_history, contact_problems, current_contacts, normalize_phone
from .credit_code import credit_code_problem
from .models import CONTACT_ROLES, Department, DepartmentContact, Region, RegionLevel
from .services import (authority, category_nodes_missing, count_missing_credit_code, departments_loaded,
                       departments_missing_credit_code, fill_credit_code, get_department_or_404, load_departments,
                       load_regions)

__all__ = ["CONTACT_ROLES", "Department", "DepartmentContact", "Region", "RegionLevel", "authority",
           "category_nodes_missing", "contact_history", "contact_problems", "count_missing_credit_code",
           "credit_code_problem", "current_contacts", "departments_loaded", "departments_missing_credit_code",
           "fill_credit_code", "get_department_or_404", "load_departments", "load_regions", "normalize_phone"]
