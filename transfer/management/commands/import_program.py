import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transfer.records import ImportRefused, program_import


class Command(BaseCommand):
    help = "Restore a record written by export_program into a database that does not hold it."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file export_program wrote.")

    def handle(self, *args, path, **options):
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path} is not a JSON program record: {error}") from error
        try:
            written = program_import(document=document)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {written} rows from {path}.")
