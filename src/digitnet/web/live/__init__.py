"""Live training from the page: a run in a thread beside the server, told to the page as events.

``trainer`` (the runs of one app and their commands), ``run`` (one run: the same ``train`` as
the command line, in a thread), ``control`` (pause, step, stop), ``events`` (the run's event log,
replayed to every stream), ``snapshots`` (what the page is shown after each epoch), ``recipe``
(options to configuration and data), ``limits`` (how large a run the server takes), ``schemas``.
"""
