"""Reproduce the papers' tables: table specs, compute budgets, the row runner and the report."""
from derain_toolkit.reproduce.budgets import BUDGETS, Budget, apply_budget, get_budget
from derain_toolkit.reproduce.report import write_report
from derain_toolkit.reproduce.runner import reproduce
from derain_toolkit.reproduce.table_spec import TableSpec, load_table_spec

__all__ = ['BUDGETS', 'Budget', 'TableSpec', 'apply_budget', 'get_budget', 'load_table_spec', 'reproduce',
           'write_report']
