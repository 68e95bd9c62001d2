"""Retention: the periodic job that prunes what no pending work needs past a horizon."""
