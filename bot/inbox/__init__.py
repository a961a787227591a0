"""The durable inbox: nothing a member posted is lost, whenever the process dies (see service.py)."""
