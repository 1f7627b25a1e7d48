from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from curriculum.models import Program
from transfer.records import CoverageIncomplete, program_export, program_export_json


class Command(BaseCommand):
    help = "Write a program's whole record (people, curriculum, logs, assessments, trail) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("program_id", type=int)
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, program_id, output=None, **options):
        program = Program.objects.filter(pk=program_id).first()
        if program is None:
            raise CommandError(f"No program with id {program_id}.")
        try:
            document = program_export(program=program)
        except CoverageIncomplete as error:
            raise CommandError(f"Not exported, the record would be incomplete: {error}") from error
        text = program_export_json(document=document)
        for name in document["missing_files"]:
            self.stderr.write(f"Warning: {name} is referred to but missing from storage.")
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote the record of {program.name} to {output}.")
        else:
            self.stdout.write(text)
