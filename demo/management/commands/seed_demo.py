import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.people import DEMO_PASSWORD, DEMO_PEOPLE
from demo.scale import ScaleSizes, scale_build
from demo.seed import demo_program_seed


class Command(BaseCommand):
    help = (
        "Load the demo program and its logins (idempotent). With --scale N, build N programs of "
        "benchmark data instead. Refused under production settings."
    )

    def add_arguments(self, parser) -> None:
        defaults = ScaleSizes()
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="Build N scale programs with several years of history (missing ones only).",
        )
        parser.add_argument("--years", type=int, default=defaults.years)
        parser.add_argument("--fellows-per-year", type=int, default=defaults.fellows_per_year)
        parser.add_argument(
            "--large-fellows-per-year", type=int, default=defaults.large_fellows_per_year
        )
        parser.add_argument("--faculty", type=int, default=defaults.faculty)
        parser.add_argument(
            "--entries-per-fellow", type=int, default=defaults.entries_per_fellow_year
        )
        parser.add_argument(
            "--assessments-per-fellow", type=int, default=defaults.assessments_per_fellow_year
        )

    def handle(self, *args, **options) -> None:
        if not settings.SEED_DEMO_ALLOWED:
            raise CommandError(
                "seed_demo is refused under production settings: the demo logins have a "
                "published password."
            )
        if options["scale"] is not None:
            self._scale(options)
            return
        result = demo_program_seed()
        created = result.users_created + result.memberships_created
        outcome = "loaded" if created else "already loaded, nothing changed"
        self.stdout.write(
            f"{result.program.name}: {result.users_created} users and "
            f"{result.memberships_created} roles created ({outcome})."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, full_name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {email:<24} {role.label:<20} {full_name}")

    def _scale(self, options) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale takes a number of programs, 1 or more.")
        sizes = ScaleSizes(
            years=options["years"],
            fellows_per_year=options["fellows_per_year"],
            large_fellows_per_year=options["large_fellows_per_year"],
            faculty=options["faculty"],
            entries_per_fellow_year=options["entries_per_fellow"],
            assessments_per_fellow_year=options["assessments_per_fellow"],
        )
        started = time.monotonic()
        result = scale_build(programs=options["scale"], sizes=sizes, log=self.stdout.write)
        elapsed = time.monotonic() - started
        if result.present:
            self.stdout.write(
                f"{len(result.present)} scale program(s) already present, left alone."
            )
        counts = ", ".join(f"{value} {name}" for name, value in result.counts.items())
        self.stdout.write(
            f"Built {len(result.created)} scale program(s) in {elapsed:.1f} s"
            + (f": {counts}." if counts else ".")
        )
