"""Search plans both stores share: reading a query, ranking stages, typo correction, similar
papers. Pure.
"""
