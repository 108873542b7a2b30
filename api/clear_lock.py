"""`python -m api.clear_lock USERNAME [--address ADDR]`: lift sign-in throttling.

Forgets the sign-in failures of USERNAME (from ADDR only, with --address), or with
`--address ADDR` alone, of that address under every username. Logs what it cleared.
"""

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.orm import Session

from api import accounts
from core.db import make_engine
from core.settings import Settings, get_settings

logger = logging.getLogger("api.clear_lock")


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Clear the failures named on the command line in DATABASE_URL; 0 when done."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="python -m api.clear_lock", description=__doc__)
    parser.add_argument("username", nargs="?", help="the username whose failures to forget")
    parser.add_argument("--address", help="only the failures from this client address")
    args = parser.parse_args(argv)
    if args.username is None and args.address is None:
        parser.error("give a USERNAME, an --address, or both")
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        cleared = accounts.clear_failures(args.username, args.address, session=session)
        session.commit()
    engine.dispose()
    logger.info(
        "clear_lock: cleared %d failures of %s",
        cleared,
        accounts.describe_lock(args.username, args.address),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
