"""Device inventory: validation with clear messages, encryption at rest, CSV import."""
import pytest
from sqlalchemy import select, text

from telecentre.common.errors import InvalidInput
from telecentre.extensions import db
from telecentre.monitoring.importer import import_devices
from telecentre.monitoring.models import Device
from telecentre.monitoring.services import credentials_for, save_device


@pytest.fixture
def cycow(app, site):
    s = site("cycow")
    s.subnets = ["10.20.3.0/24"]
    db.session.commit()
    return s


V2 = {"name": "sw-1", "kind": "switch", "address": "10.20.3.2", "port": "161",
      "snmp_version": "2c", "community": "s3cret-comm"}


def test_device_outside_the_site_subnets_is_refused(cycow):
    with pytest.raises(InvalidInput) as exc:
        save_device(None, cycow, {**V2, "address": "10.99.0.1"})
    assert "10.99.0.1" in exc.value.message and "10.20.3.0/24" in exc.value.message
    assert db.session.scalar(select(Device)) is None


def test_messages_are_translated_to_polish(cycow, app):
    with app.test_request_context(headers={"Accept-Language": "pl"}), \
            pytest.raises(InvalidInput) as exc:
        save_device(None, cycow, {**V2, "address": "nie-adres"})
    assert "nie jest adresem IP" in exc.value.message


def test_bad_fields_are_all_reported(cycow):
    with pytest.raises(InvalidInput) as exc:
        save_device(None, cycow, {**V2, "kind": "toaster", "port": "99999", "community": ""})
    errors = exc.value.details["errors"]
    assert len(errors) == 3


def test_credentials_are_encrypted_at_rest(cycow):
    device, created = save_device(None, cycow, {
        "name": "ups-1", "kind": "ups", "address": "10.20.3.9", "snmp_version": "3",
        "v3_user": "monitor", "v3_auth_key": "auth-key-123", "v3_priv_key": "priv-key-456"})
    db.session.commit()
    assert created
    raw = db.session.execute(text("SELECT v3_auth_secret, v3_priv_secret, community_secret "
                                  "FROM devices")).one()
    assert "auth-key-123" not in raw[0] and "priv-key-456" not in raw[1] and raw[2] is None
    c = credentials_for(device)
    assert (c.version, c.user, c.auth_key, c.priv_key) == ("3", "monitor", "auth-key-123",
                                                           "priv-key-456")


def test_a_v3_user_name_keeps_one_set_of_keys(cycow):
    v3 = {"kind": "ups", "snmp_version": "3", "v3_user": "monitor",
          "v3_auth_key": "auth-key-123", "v3_priv_key": "priv-key-456"}
    save_device(None, cycow, {**v3, "name": "ups-1", "address": "10.20.3.9"})
    save_device(None, cycow, {**v3, "name": "ups-2", "address": "10.20.3.10"})  # same keys
    with pytest.raises(InvalidInput) as exc:
        save_device(None, cycow, {**v3, "name": "ups-3", "address": "10.20.3.11",
                                  "v3_priv_key": "other-key-789"})
    assert "ups-1" in exc.value.message


def test_same_name_updates_unless_told_not_to(cycow):
    save_device(None, cycow, V2)
    device, created = save_device(None, cycow, {**V2, "address": "10.20.3.3"})
    assert not created and device.address == "10.20.3.3"
    with pytest.raises(InvalidInput):
        save_device(None, cycow, V2, update=False)


CSV_HEAD = ("site,name,kind,address,port,snmp_version,community,"
            "v3_user,v3_auth_protocol,v3_auth_key,v3_priv_protocol,v3_priv_key\n")


def test_import_adds_and_updates(cycow):
    text_ = CSV_HEAD + ("cycow,router,router,10.20.3.1,161,2c,public,,,,,\n"
                        "cycow,ups,ups,10.20.3.5,,3,,mon,SHA,authkey123,AES,privkey123\n")
    assert import_devices(None, text_) == (2, 0)
    assert import_devices(None, text_) == (0, 2)
    assert {d.name for d in db.session.scalars(select(Device))} == {"router", "ups"}


def test_import_with_a_bad_row_imports_nothing_and_names_the_lines(cycow):
    text_ = CSV_HEAD + ("cycow,router,router,10.20.3.1,161,2c,public,,,,,\n"
                        "cycow,ap,access_point,192.168.7.7,161,2c,public,,,,,\n"
                        "nowhere,x,switch,10.20.3.8,161,2c,public,,,,,\n"
                        "cycow,router,router,10.20.3.1,161,2c,public,,,,,\n")
    with pytest.raises(InvalidInput) as exc:
        import_devices(None, text_)
    errors = exc.value.details["errors"]
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5"] or \
        [e.split(":")[0] for e in errors] == ["wiersz 3", "wiersz 4", "wiersz 5"]
    db.session.rollback()
    assert db.session.scalar(select(Device)) is None


def test_cli_import_reports_bad_lines_and_exit_status(cycow, runner, tmp_path):
    bad = tmp_path / "devices.csv"
    bad.write_text(CSV_HEAD + "cycow,sw,switch,10.1.1.1,161,2c,public,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["devices", "import", str(bad)])
    assert result.exit_code == 1
    assert "2" in result.output and "10.1.1.1" in result.output
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEAD + "cycow,sw,switch,10.20.3.4,161,2c,public,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["devices", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output


def test_key_rotation_re_encrypts_device_secrets(cycow, runner):
    device, _created = save_device(None, cycow, V2)
    db.session.commit()
    before = device.community_secret
    assert runner.invoke(args=["secrets", "rotate"]).exit_code == 0
    assert runner.invoke(args=["secrets", "prune"]).exit_code == 0  # the old key is gone
    db.session.rollback()
    db.session.refresh(device)
    assert device.community_secret != before
    assert credentials_for(device).community == "s3cret-comm"
