"""Script builders for the vetted actions: POSIX sh for Linux, PowerShell for Windows.

Each builder takes parameters already validated by the catalogue and quotes
them again for its shell (validation is the first fence, quoting the second).
The install locations and service names of the agent are defined here, once,
after docs/operations.md and deploy/systemd/telecentre-agent.service: on
Linux a systemd unit running ``/usr/local/bin/telecentre-agent``; on Windows
a scheduled task started at the public user's logon, installed with ``py -m
pip install telecentre``.
"""
from __future__ import annotations

from shlex import quote

LINUX_AGENT_UNIT = "telecentre-agent.service"
LINUX_AGENT_SCRIPT = "/usr/local/bin/telecentre-agent"
WINDOWS_AGENT_TASK = "Telecentre agent"
WINDOWS_AGENT_STATE = r"C:\ProgramData\Telecentre"
AGENT_DISTRIBUTION = "telecentre"


def psquote(text: str) -> str:
    """Quote *text* as a PowerShell single-quoted string literal.

    PowerShell also treats the typographic single quotes as quote marks, so
    those are doubled like the ASCII one.
    """
    for mark in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(mark, mark * 2)
    return f"'{text}'"


def linux_reboot(p: dict) -> str:
    """Schedule a restart in ``delay_minutes``, broadcasting the message."""
    return f"shutdown -r +{p['delay_minutes']:d} {quote(p['message'])}"


def linux_shutdown(p: dict) -> str:
    """Schedule a power-off in ``delay_minutes``, broadcasting the message."""
    return f"shutdown -P +{p['delay_minutes']:d} {quote(p['message'])}"


def windows_reboot(p: dict) -> str:
    """Restart after the delay; shutdown.exe shows the comment to the user."""
    return (f"& shutdown.exe /r /t {p['delay_minutes'] * 60:d} /c {psquote(p['message'])}; "
            "exit $LASTEXITCODE")


def windows_shutdown(p: dict) -> str:
    """Power off after the delay; shutdown.exe shows the comment to the user."""
    return (f"& shutdown.exe /s /t {p['delay_minutes'] * 60:d} /c {psquote(p['message'])}; "
            "exit $LASTEXITCODE")


def linux_restart_agent(p: dict) -> str:
    """Restart the agent unit and print whether it came back."""
    unit = quote(LINUX_AGENT_UNIT)
    return f"systemctl restart {unit} && systemctl is-active {unit}"


def windows_restart_agent(p: dict) -> str:
    """Restart the agent's scheduled task (it runs in the public user's session)."""
    name = psquote(WINDOWS_AGENT_TASK)
    return (f"Stop-ScheduledTask -TaskName {name} -ErrorAction Stop; "
            f"Start-ScheduledTask -TaskName {name} -ErrorAction Stop; "
            f"(Get-ScheduledTask -TaskName {name}).State")


def _requirement(version: str) -> str:
    return f"{AGENT_DISTRIBUTION}=={version}"


def linux_update_agent(p: dict) -> str:
    """Install the agent version with the Python the agent runs on, then restart it.

    That interpreter is read from the agent script's ``#!`` line, so the
    update lands in the same virtualenv (or pipx environment) as the agent.
    """
    return (f"py=$(head -n 1 {quote(LINUX_AGENT_SCRIPT)} | sed 's/^#!//') && "
            f"[ -x \"$py\" ] || {{ echo \"cannot find the agent's Python\"; exit 3; }}; "
            f"\"$py\" -m pip install --no-deps --upgrade {quote(_requirement(p['version']))} "
            f"&& {linux_restart_agent(p)}")


def windows_update_agent(p: dict) -> str:
    """Install the agent version for all users (``py -m pip``), then restart its task."""
    return (f"& py -m pip install --no-deps --upgrade {psquote(_requirement(p['version']))}; "
            "if ($LASTEXITCODE) { exit $LASTEXITCODE }; " + windows_restart_agent(p))


def linux_collect_logs(p: dict) -> str:
    """Print the agent's journal and this boot's warnings (syslog without systemd)."""
    n = int(p["lines"])
    return (
        "if command -v journalctl >/dev/null 2>&1; then "
        f"journalctl -u {quote(LINUX_AGENT_UNIT)} -n {n} --no-pager -o short-iso; "
        f"echo '--- warnings'; journalctl -p warning -b -n {n} --no-pager -o short-iso; "
        f"else tail -n {n} /var/log/syslog /var/log/messages 2>/dev/null; fi")


def windows_collect_logs(p: dict) -> str:
    """Print the agent's log file and recent errors and warnings of the event log."""
    n = int(p["lines"])
    return (
        f"Get-ChildItem -Path {psquote(WINDOWS_AGENT_STATE)} -Filter *.log -ErrorAction "
        f"Continue | ForEach-Object {{ '--- ' + $_.Name; Get-Content -Tail {n} $_.FullName }}; "
        "'--- warnings'; "
        "Get-WinEvent -FilterHashtable @{LogName='System','Application'; Level=1,2,3} "
        f"-MaxEvents {n} | Format-Table -AutoSize -Wrap TimeCreated,ProviderName,Id,Message")


def linux_clean_profile(p: dict) -> str:
    """Log the public user off, reset their home from /etc/skel, sweep temp files.

    Refuses accounts below UID 1000 and homes outside /home, so a wrong name
    cannot wipe a system account.
    """
    u = quote(p["user"])
    return (
        f"u={u}; uid=$(id -u \"$u\") || exit 3; "
        "[ \"$uid\" -ge 1000 ] || { echo \"refusing system account $u\"; exit 3; }; "
        "home=$(getent passwd \"$u\" | cut -d: -f6); "
        "case \"$home\" in /home/?*) ;; *) echo \"refusing home $home\"; exit 3;; esac; "
        "loginctl terminate-user \"$u\" 2>/dev/null; pkill -KILL -u \"$u\"; sleep 1; "
        "find \"$home\" -mindepth 1 -delete && cp -a /etc/skel/. \"$home\"/ "
        "&& chown -R \"$u\": \"$home\" || exit 4; "
        "find /tmp /var/tmp -xdev -mindepth 1 \\( -user \"$u\" -o -mtime +1 \\) "
        "-delete 2>/dev/null; echo \"profile of $u reset\"")


def windows_clean_profile(p: dict) -> str:
    """Log the public user off, delete their profile (recreated at next logon), sweep temp."""
    u = psquote(p["user"])
    return (
        f"$u = {u}; "
        "quser 2>$null | Select-String -Pattern \"^\\s*>?$u\\s\" | ForEach-Object { "
        "logoff ($_.Line -split '\\s+' | Where-Object { $_ -match '^\\d+$' } "
        "| Select-Object -First 1) }; Start-Sleep -Seconds 5; "
        "$prof = Get-CimInstance Win32_UserProfile | Where-Object { "
        "-not $_.Special -and (Split-Path $_.LocalPath -Leaf) -eq $u }; "
        "if ($prof) { $prof | Remove-CimInstance -ErrorAction Stop }; "
        "Remove-Item -Recurse -Force -ErrorAction SilentlyContinue "
        "\"$env:SystemRoot\\Temp\\*\"; \"profile of $u reset\"")


def linux_disk_diagnostics(p: dict) -> str:
    """Print file systems and free space, block devices and SMART health if available."""
    return (
        "df -hT -x tmpfs -x devtmpfs; rc=$?; echo; "
        "lsblk -o NAME,SIZE,TYPE,FSTYPE,MOUNTPOINT 2>/dev/null; "
        "if command -v smartctl >/dev/null 2>&1; then "
        "for d in $(lsblk -dno NAME -e 7,11 2>/dev/null); do smartctl -H \"/dev/$d\"; done; "
        "fi; exit $rc")


def windows_disk_diagnostics(p: dict) -> str:
    """Print volumes with free space and the health of the physical disks."""
    return ("Get-Volume | Format-Table -AutoSize; "
            "Get-PhysicalDisk | Format-Table -AutoSize "
            "FriendlyName,MediaType,HealthStatus,OperationalStatus,Size")


def linux_network_diagnostics(p: dict) -> str:
    """Print addresses, routes and resolvers, then ping the target or the gateway."""
    target = quote(p["target"]) if p.get("target") else \
        "\"$(ip route show default 2>/dev/null | awk '{print $3; exit}')\""
    return (
        "ip -brief address; echo; ip route; echo; "
        "grep -v '^#' /etc/resolv.conf 2>/dev/null; echo; "
        f"t={target}; [ -n \"$t\" ] || {{ echo 'no default gateway'; exit 2; }}; "
        "getent hosts \"$t\"; ping -c 3 -W 2 \"$t\"")


def windows_network_diagnostics(p: dict) -> str:
    """Print the IP configuration, then ping the target or the gateway."""
    target = psquote(p["target"]) if p.get("target") else (
        "(Get-NetRoute -DestinationPrefix '0.0.0.0/0' | Sort-Object RouteMetric "
        "| Select-Object -First 1).NextHop")
    return ("Get-NetIPConfiguration | Format-List; "
            f"$t = {target}; if (-not $t) {{ 'no default gateway'; exit 2 }}; "
            "Resolve-DnsName $t -ErrorAction SilentlyContinue | Format-Table -AutoSize; "
            "Test-Connection -Count 3 $t; if (-not $?) { exit 1 }")


def adhoc(p: dict) -> str:
    """Return the administrator's command unchanged (it is the whole point)."""
    return p["command"]
