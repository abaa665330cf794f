"""The blocking shim: ``Mistral`` runs the async core on a private portal thread.

It adds no behaviour beyond moving calls, context managers and stream chunks across threads.
"""
