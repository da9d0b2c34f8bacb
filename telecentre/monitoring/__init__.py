"""Hardware and network health over SNMP: devices, polls, alerts, history."""
