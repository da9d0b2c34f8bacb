"""Numeric OIDs of every MIB object the checks read.

Numeric on purpose: IF-MIB and HOST-RESOURCES-MIB are not bundled with
pysnmp, and resolving names on every request would double its cost.
Columns (table objects) have no trailing index; scalars end in ``.0``.
"""

# SNMPv2-MIB (RFC 3418)
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"          # TimeTicks, 1/100 s, wraps at 2^32
SYS_NAME = "1.3.6.1.2.1.1.5.0"

# IF-MIB (RFC 2863)
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_TYPE = "1.3.6.1.2.1.2.2.1.3"           # 24 = softwareLoopback
IF_SPEED = "1.3.6.1.2.1.2.2.1.5"          # Gauge32, bit/s (caps at 2^32-1)
IF_ADMIN_STATUS = "1.3.6.1.2.1.2.2.1.7"   # 1 up, 2 down, 3 testing
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"    # 1 up, 2 down, ... 7 lowerLayerDown
IF_IN_OCTETS = "1.3.6.1.2.1.2.2.1.10"     # Counter32
IF_OUT_OCTETS = "1.3.6.1.2.1.2.2.1.16"    # Counter32
IF_IN_ERRORS = "1.3.6.1.2.1.2.2.1.14"     # Counter32
IF_OUT_ERRORS = "1.3.6.1.2.1.2.2.1.20"    # Counter32
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"   # Counter64
IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10"  # Counter64
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"     # Gauge32, Mbit/s

# HOST-RESOURCES-MIB (RFC 2790)
HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"  # percent, per processor
HR_STORAGE_TYPE = "1.3.6.1.2.1.25.2.3.1.2"
HR_STORAGE_DESCR = "1.3.6.1.2.1.25.2.3.1.3"
HR_STORAGE_UNITS = "1.3.6.1.2.1.25.2.3.1.4"   # bytes per allocation unit
HR_STORAGE_SIZE = "1.3.6.1.2.1.25.2.3.1.5"
HR_STORAGE_USED = "1.3.6.1.2.1.25.2.3.1.6"
HR_STORAGE_FIXED_DISK = "1.3.6.1.2.1.25.2.1.4"
HR_STORAGE_RAM = "1.3.6.1.2.1.25.2.1.2"

# UCD-SNMP-MIB (net-snmp)
UCD_LA_LOAD_1 = "1.3.6.1.4.1.2021.10.1.3.1"   # DisplayString "0.15"
UCD_MEM_TOTAL_REAL = "1.3.6.1.4.1.2021.4.5.0"  # kB
UCD_MEM_AVAIL_REAL = "1.3.6.1.4.1.2021.4.6.0"
UCD_MEM_BUFFER = "1.3.6.1.4.1.2021.4.14.0"
UCD_MEM_CACHED = "1.3.6.1.4.1.2021.4.15.0"
LM_TEMP_DEVICE = "1.3.6.1.4.1.2021.13.16.2.1.2"
LM_TEMP_VALUE = "1.3.6.1.4.1.2021.13.16.2.1.3"  # millidegrees Celsius

# UPS-MIB (RFC 1628)
UPS_BATTERY_STATUS = "1.3.6.1.2.1.33.1.2.1.0"    # 2 normal, 3 low, 4 depleted
UPS_MINUTES_REMAINING = "1.3.6.1.2.1.33.1.2.3.0"
UPS_CHARGE_REMAINING = "1.3.6.1.2.1.33.1.2.4.0"  # percent
UPS_OUTPUT_SOURCE = "1.3.6.1.2.1.33.1.4.1.0"     # 3 normal, 5 battery
UPS_SOURCE_BATTERY = 5

# Printer-MIB (RFC 3805)
PRT_SUPPLY_DESCR = "1.3.6.1.2.1.43.11.1.1.6"
PRT_SUPPLY_MAX = "1.3.6.1.2.1.43.11.1.1.8"
PRT_SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9"  # -2 unknown, -3 "some left"

# ENTITY-SENSOR-MIB (RFC 3433)
ENT_SENSOR_TYPE = "1.3.6.1.2.1.99.1.1.1.1"       # 8 = celsius
ENT_SENSOR_SCALE = "1.3.6.1.2.1.99.1.1.1.2"      # 9 = units; (scale-9)*3 = exponent
ENT_SENSOR_PRECISION = "1.3.6.1.2.1.99.1.1.1.3"  # decimal places
ENT_SENSOR_VALUE = "1.3.6.1.2.1.99.1.1.1.4"
ENT_SENSOR_CELSIUS = 8
