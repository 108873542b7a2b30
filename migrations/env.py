"""Alembic environment: migrates DATABASE_URL (PostgreSQL or SQLite) with the same scripts."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Index
from sqlalchemy.schema import CreateIndex, SchemaItem

from core.db import make_engine
from core.models import Base
from core.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def include_object(
    item: SchemaItem, name: str | None, kind: str, reflected: bool, compare_to: SchemaItem | None
) -> bool:
    """Let autogenerate compare a model's index only where the models create it (Index.ddl_if)."""
    # Alembic ignores ddl_if: it would ask SQLite for the PostgreSQL-only GIN and DESC indexes.
    # CreateIndex's test is the one create_all applies (SQLAlchemy offers no public one).
    if reflected or not isinstance(item, Index):
        return True
    return bool(CreateIndex(item)._should_execute(item, context.get_bind()))


def run_migrations() -> None:
    """Run the migrations online against DATABASE_URL (or a URL passed by a caller)."""
    url = config.attributes.get("database_url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode copies the table.
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
