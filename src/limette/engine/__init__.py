"""The run, written once (internal): plan protocol, model calls and output checks, chunks
and streams, executors and faults, thread limits, workspace, ``num_samples="auto"``.

Nothing here is public API: explainers reach it through their own methods.
"""
