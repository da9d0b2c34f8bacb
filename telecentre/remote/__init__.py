"""Remote actions on the public PCs: vetted SSH actions, wake-on-LAN, power schedules.

Phase 1 holds the framework-free parts, which take plain values:
``hostkeys`` and ``ssh`` (the paramiko adapter), ``catalogue`` (the vetted
actions per OS), ``runner`` (many hosts in parallel, with progress) and
``wol`` (magic packets and the relay command for an agent).
"""
