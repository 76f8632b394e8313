"""Adapters that plug CollabGym into other training frameworks (docs/training-llms.md).

* :mod:`collabgym.integrations.verl`: a veRL interaction (``CollabGymInteraction``) and the
  dataset writer for veRL's multi-turn rollout.
"""
