"""The paramiko adapter against a real OpenSSH server on 127.0.0.1."""
from __future__ import annotations

import pytest

from telecentre.remote.hostkeys import HostKeyPin, InvalidKey, load_private_key
from telecentre.remote.ssh import (CommandTimeout, HostKeyMismatch, SshAuthFailed,
                                   SshConnection, SshTimeout, SshUnreachable,
                                   fetch_host_key)

from .keys import generate_private_key, private_text, public_line


def connect(server, pin=None, key_text=None, **kwargs):
    return SshConnection.open(server.host, server.port, server.username,
                              pin or server.host_keys["ssh-ed25519"],
                              load_private_key(key_text or server.client_key_text), **kwargs)


def test_runs_a_command_and_reports_output_and_exit_code(sshd):
    with connect(sshd) as conn:
        result = conn.run("echo out; echo err >&2; printf 'zażółć\\n'; exit 7", timeout=30)
    assert result.exit_code == 7
    # stdout and stderr travel separately, so only the lines are certain.
    assert sorted(result.output_tail.splitlines()) == ["err", "out", "zażółć"]
    assert not result.truncated


def test_output_tail_is_bounded(sshd):
    expected = "".join(f"{i}\n" for i in range(1, 100001))
    with connect(sshd) as conn:
        result = conn.run("seq 1 100000", timeout=60, tail_bytes=1000)
    assert result.exit_code == 0
    assert result.truncated
    assert result.output_bytes == len(expected)
    assert result.output_tail == expected[-1000:]


@pytest.mark.parametrize("key_type", ["ssh-ed25519", "ssh-rsa"])
def test_pinned_key_of_either_type_is_accepted(sshd, key_type):
    with connect(sshd, pin=sshd.host_keys[key_type]) as conn:
        assert conn.run("true", timeout=30).exit_code == 0


def test_pin_by_fingerprint(sshd):
    fingerprint = HostKeyPin.parse(sshd.host_keys["ssh-ed25519"]).fingerprint
    assert fingerprint.startswith("SHA256:")
    with connect(sshd, pin=fingerprint) as conn:
        assert conn.run("echo ok", timeout=30).output_tail == "ok\n"


def test_fetch_host_key_shows_the_servers_key(sshd):
    key = fetch_host_key(sshd.host, sshd.port, timeout=10)
    assert f"{key.get_name()} {key.get_base64()}" == sshd.host_keys["ssh-ed25519"]


def test_changed_host_key_is_refused_with_both_fingerprints(sshd, sshd_factory):
    rekeyed = sshd_factory(host_key_types=("ed25519",))
    old_pin = HostKeyPin.parse(sshd.host_keys["ssh-ed25519"])
    new_pin = HostKeyPin.parse(rekeyed.host_keys["ssh-ed25519"])
    with pytest.raises(HostKeyMismatch) as caught:
        connect(rekeyed, pin=sshd.host_keys["ssh-ed25519"])
    assert caught.value.expected_fingerprint == old_pin.fingerprint
    assert caught.value.actual_fingerprint == new_pin.fingerprint
    assert caught.value.actual_key == rekeyed.host_keys["ssh-ed25519"]
    # The refusal comes before authentication: the server never saw our key.
    assert "publickey for" not in rekeyed.log()


def test_pinned_key_type_gone_is_a_mismatch_too(sshd, sshd_factory):
    rekeyed = sshd_factory(host_key_types=("ed25519",))
    with pytest.raises(HostKeyMismatch) as caught:
        connect(rekeyed, pin=sshd.host_keys["ssh-rsa"])
    assert caught.value.expected_fingerprint == HostKeyPin.parse(
        sshd.host_keys["ssh-rsa"]).fingerprint
    assert caught.value.actual_fingerprint == HostKeyPin.parse(
        rekeyed.host_keys["ssh-ed25519"]).fingerprint


def test_unknown_client_key_is_refused(sshd):
    stranger = private_text(generate_private_key("ed25519"))
    with pytest.raises(SshAuthFailed):
        connect(sshd, key_text=stranger)


def test_silent_host_times_out(silent_port, sshd):
    with pytest.raises(SshTimeout):
        SshConnection.open("127.0.0.1", silent_port, "root", sshd.host_keys["ssh-ed25519"],
                           load_private_key(sshd.client_key_text), connect_timeout=1)


def test_closed_port_is_unreachable(closed_port, sshd):
    with pytest.raises(SshUnreachable):
        SshConnection.open("127.0.0.1", closed_port, "root", sshd.host_keys["ssh-ed25519"],
                           load_private_key(sshd.client_key_text), connect_timeout=5)


def test_command_timeout_keeps_output_so_far(sshd):
    with connect(sshd) as conn:
        with pytest.raises(CommandTimeout) as caught:
            conn.run("echo started; sleep 8; echo never", timeout=1)
        assert caught.value.output_tail == "started\n"
        # The connection is still usable after one command timed out.
        assert conn.run("echo again", timeout=30).output_tail == "again\n"


@pytest.mark.parametrize("text", [
    "", "SHA256:short", "ssh-dss AAAAB3NzaC1kc3M=", "ssh-ed25519 not-base64!",
    "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",
])
def test_bad_pins_are_refused(text):
    with pytest.raises(InvalidKey):
        HostKeyPin.parse(text)


def test_pin_with_type_of_other_key_is_refused():
    rsa_line = public_line(generate_private_key("rsa"))
    with pytest.raises(InvalidKey):
        HostKeyPin.parse("ssh-ed25519 " + rsa_line.split()[1])


def test_private_keys_load_from_memory_and_garbage_is_refused():
    assert load_private_key(private_text(generate_private_key("rsa"))).get_name() == "ssh-rsa"
    with pytest.raises(InvalidKey):
        load_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n")
