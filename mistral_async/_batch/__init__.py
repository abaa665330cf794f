"""The batch runner: many requests on one client, paced, retried, resumable, or sent to the
Batch API when the work outgrows one process."""
