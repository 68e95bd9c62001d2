"""Delivery: each channel's digest posted exactly once, at its time (records, plans, the
runner).
"""
