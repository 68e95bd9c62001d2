"""The application: wiring (bootstrap), the running bot (runtime, scheduler, leader) and
backfill.
"""
