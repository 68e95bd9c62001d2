"""When digests are due: daily time arithmetic in a channel's zone, and weekly and monthly
cadences. Pure.
"""
