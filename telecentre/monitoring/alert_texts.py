"""Human texts for SNMP alerts, in the reader's language.

An alert stores its check, value and limit in ``details``; the title column
holds the text in the server's default language (for e-mail and logs) and
pages rebuild it with :func:`alert_title` so each reader sees their own.
"""
from flask_babel import gettext as _


def _number(value) -> str:
    if value is None:
        return "?"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def alert_title(details: dict) -> str:
    """The translated one-line title of an SNMP alert from its ``details``."""
    check = details.get("check")
    p = {"device": details.get("device", "?"), "value": _number(details.get("value")),
         "limit": _number(details.get("limit"))}
    texts = {
        "unreachable": lambda: _("%(device)s does not answer SNMP", **p),
        "rebooted": lambda: _("%(device)s has restarted", **p),
        "cpu": lambda: _("%(device)s: processor load %(value)s%% (limit %(limit)s%%)", **p),
        "temperature": lambda: _("%(device)s: temperature %(value)s °C (limit %(limit)s °C)",
                                 **p),
        "interface_errors": lambda: _("%(device)s: %(value)s interface errors per second "
                                      "(limit %(limit)s)", **p),
        "storage": lambda: _("%(device)s: disk %(value)s%% full (limit %(limit)s%%)", **p),
        "memory": lambda: _("%(device)s: memory %(value)s%% used (limit %(limit)s%%)", **p),
        "load": lambda: _("%(device)s: load average %(value)s (limit %(limit)s)", **p),
        "on_battery": lambda: _("%(device)s is running on battery", **p),
        "battery_charge": lambda: _("%(device)s: battery charge %(value)s%% "
                                    "(limit %(limit)s%%)", **p),
        "battery_runtime": lambda: _("%(device)s: %(value)s minutes of battery left "
                                     "(limit %(limit)s)", **p),
        "battery_replace": lambda: _("%(device)s: the UPS battery needs replacing", **p),
        "ups_overload": lambda: _("%(device)s: UPS output load %(value)s%% "
                                  "(limit %(limit)s%%)", **p),
        "paper_jam": lambda: _("%(device)s: paper jam", **p),
        "agent_offline": lambda: _("%(device)s: the PC has stopped reporting during opening "
                                   "hours", **p),
        "supplies": lambda: _("%(device)s: printer supply at %(value)s%% (limit %(limit)s%%)",
                              **p),
    }
    return texts[check]() if check in texts else _("%(device)s: %(check)s", check=check, **p)


CHECK_LABELS = {
    "reachable": lambda: _("Reachable"),
    "uptime_s": lambda: _("Uptime (s)"),
    "cpu_percent": lambda: _("Processor load (%)"),
    "load1": lambda: _("Load average"),
    "memory_used_percent": lambda: _("Memory used (%)"),
    "storage_max_percent": lambda: _("Fullest disk (%)"),
    "temperature_c": lambda: _("Temperature (°C)"),
    "if_in_bps": lambda: _("Traffic in (bit/s)"),
    "if_out_bps": lambda: _("Traffic out (bit/s)"),
    "if_errors_per_s": lambda: _("Interface errors per second"),
    "interfaces_down": lambda: _("Interfaces down"),
    "ups_on_battery": lambda: _("On battery"),
    "ups_charge_percent": lambda: _("Battery charge (%)"),
    "ups_minutes_left": lambda: _("Battery minutes left"),
    "ups_load_percent": lambda: _("UPS output load (%)"),
    "ups_replace_battery": lambda: _("Battery needs replacing"),
    "if_util_max_percent": lambda: _("Busiest interface (% of speed)"),
    "pdu_load_amps": lambda: _("PDU load (A)"),
    "printer_pages": lambda: _("Pages printed"),
    "printer_paper_jam": lambda: _("Paper jam"),
    "supply_min_percent": lambda: _("Lowest supply level (%)"),
    "rebooted": lambda: _("Restarted"),
}


def metric_label(metric: str) -> str:
    """The translated label of a metric."""
    label = CHECK_LABELS.get(metric)
    return label() if label else metric
