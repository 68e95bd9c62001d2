"""The records the store, the ports and the platforms speak in: papers, subscriptions, digests,
deliveries, settle tasks, follow-up events, chat replies and clicks, errors and clocks.
Imports nothing above itself.
"""
