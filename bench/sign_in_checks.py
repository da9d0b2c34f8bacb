"""Benchmark: what the public-PC check and two-step sign-in add to a sign-in.

Measures in one process, on a migrated database holding ``--agents`` enrolled
agents (a voivodeship has about 10,000), the cost of one call of:

- the password check a sign-in already pays (Argon2id, production parameters): the baseline;
- ``public_pc.classify`` (is this address an agent's?), for an agent's address and another;
- a TOTP second step (decrypt the secret, HMAC, the conditional UPDATE against replay);
- a recovery code (Argon2id against the stored hash its first two characters pick).

Prints each as a ratio to the baseline, since absolute times depend on the machine.

    python bench/sign_in_checks.py [--agents 10000] [--rounds 20] [--database-url URL]

Without ``--database-url`` a SQLite file in a temporary folder is used. With
PostgreSQL give an empty database you own (e.g. ``…/auth_bench``).
"""
import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="sign-in-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"

    from flask_migrate import upgrade

    from telecentre import create_app
    from telecentre.extensions import db
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SECURE_COOKIES": False,
                      "SECRETS_KEY_FILE": f"{tmp}/secrets.keys", "TESTING": True})
    with app.app_context():
        upgrade()
        import pyotp
        from sqlalchemy import insert

        from telecentre.agent_api.models import Agent
        from telecentre.auth import public_pc, two_step
        from telecentre.auth.models import User
        from telecentre.auth.passwords import hash_secret, verify_secret
        from telecentre.seats.models import Seat
        from telecentre.sites.services import get_site, seed_sites
        seed_sites()
        site = get_site("cycow")
        seat = Seat(site=site, name="PC-bench", kind="pc")
        db.session.add(seat)
        db.session.flush()
        db.session.execute(insert(Agent), [
            {"id": str(uuid.uuid4()), "site_id": site.id, "seat_id": seat.id if i == 0 else None,
             "secret_hash": "0" * 64,
             "address": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}
            for i in range(args.agents)])
        user = User(login="bench-it", role="it", password_hash=hash_secret("a long password"))
        db.session.add(user)
        db.session.commit()
        secret = two_step.begin_enrolment(user)
        codes = two_step.confirm_enrolment(user, pyotp.TOTP(secret).now())
        db.session.commit()
        stored = user.password_hash

        with app.test_request_context("/"):
            baseline = _timed(lambda: verify_secret(stored, "a long password"), args.rounds)
            agent_hit = _timed(lambda: public_pc.classify("10.0.0.0"), args.rounds)
            miss = _timed(lambda: public_pc.classify("192.0.2.1"), args.rounds)

            def totp_step():
                user.totp_last_step = None  # every round may use the current code again
                db.session.flush()
                assert two_step.check_second_factor(user, pyotp.TOTP(secret).now(), via="bench")
                db.session.rollback()

            totp = _timed(totp_step, args.rounds)

            def recovery():
                assert two_step.check_second_factor(user, codes[-1], via="bench") == "recovery"
                db.session.rollback()

            recovery_cost = _timed(recovery, max(3, args.rounds // 4))

    print(f"database: {url.split(':')[0]}, {args.agents} agents, median of {args.rounds}")
    print(f"password check (baseline)      {baseline * 1000:8.2f} ms    1.0000x")
    for name, value in (("public-PC check, agent's addr", agent_hit),
                        ("public-PC check, other addr", miss),
                        ("TOTP second step", totp),
                        ("recovery code", recovery_cost)):
        print(f"{name:30} {value * 1000:8.2f} ms   {value / baseline:7.4f}x")


if __name__ == "__main__":
    main()
