"""``manage.py work_hours_check FILE.csv [--timezone ZONE]``: the work-hour rules on a CSV file.

Reads ``email,start,end,kind`` (a header row first; ISO date-times local to ZONE, default UTC,
unless a value carries its own offset), touches no database, and prints one CSV line per
violation or warning: ``email,rule,period_start,period_end,detail``, times in ZONE. Malformed
rows stop it with an error naming their row numbers.
"""

import csv
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError

from core.csv import spreadsheet_safe
from workhours.csv_shifts import shifts_read
from workhours.rules import check

HEADER = ("email", "rule", "period_start", "period_end", "detail")


class Command(BaseCommand):
    help = "Check shifts in a CSV file (email,start,end,kind) against the ACGME work-hour rules."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file with the columns email,start,end,kind")
        parser.add_argument(
            "--timezone", default="UTC", help="zone of times without an offset (default UTC)"
        )

    def handle(self, *args, **options) -> None:
        try:
            zone = ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CommandError(f"Unknown time zone “{options['timezone']}”.") from error
        try:
            content = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from error
        read = shifts_read(content, zone=zone)
        if read.errors:
            raise CommandError("\n".join(read.errors))
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for finding in check(read.shifts):
            writer.writerow(
                spreadsheet_safe(value)
                for value in (
                    finding.person,
                    finding.rule,
                    finding.period_start.astimezone(zone).isoformat(),
                    finding.period_end.astimezone(zone).isoformat(),
                    finding.detail,
                )
            )
