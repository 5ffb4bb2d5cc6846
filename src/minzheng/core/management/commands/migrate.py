"""Django's `migrate`, with a fast first install: on a database with no tables at all the schema
comes straight from the models (`minzheng.core.schema`), not from replaying every migration.
Any other call, or `--replay`, is Django's own."""

from django.core.management.commands import migrate

from minzheng.core import schema

# Options that ask for something other than "bring this database up to date".
_SPECIAL = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "check_unapplied",
    "prune",
)


class Command(migrate.Command):
    help = migrate.Command.help + (
        " An empty database gets its schema from the models in a few seconds; --replay replays"
        " every migration instead."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--replay",
            action="store_true",
            help="replay every migration even on an empty database (the path an upgrade takes)",
        )

    def handle(self, *args, replay=False, **options):
        database = options["database"]
        if replay or any(options.get(name) for name in _SPECIAL) or not schema.is_empty(database):
            return super().handle(*args, **options)
        schema.install_from_models(
            lambda: super(Command, self).handle(*args, **{**options, "run_syncdb": True}),
            database=database,
        )
