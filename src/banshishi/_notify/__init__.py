"""Notifications: the messages a step owes, their templates, and their derivation."""
