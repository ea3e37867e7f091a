"""The pytest plugin banshishi installs (entry point ``banshishi``)."""
