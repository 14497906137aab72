"""Departments (政务部门): tree, region level, 统一社会信用代码, catalog code."""
