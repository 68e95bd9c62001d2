"""Digest: building a channel's digest from the day's papers (topics, ranking, summaries), the
prepared listings many channels share, the plain-text renderer, and the paper service.
"""
