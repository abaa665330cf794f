"""The server's in-memory state: files, fine-tuned models, simulated jobs, agents and
conversations.

:mod:`.store` keeps everything one app holds; :mod:`.timeline` is a job's plan of statuses over
wall-clock time (nothing runs in the background: each read asks the plan); :mod:`.batch_jobs`
and :mod:`.fine_tuning_jobs` are the two job kinds; :mod:`.agents` keeps agents with their
versions and aliases, :mod:`.conversations` conversations and their entries. The store imports
no job kind: each kind hands the store its settler when it records a job. Uses :mod:`.._models`
and :mod:`.._spec`, never the server.
"""
