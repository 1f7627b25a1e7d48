"""Walk the URL configuration and ask every route as every kind of user."""

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import assert_nothing_changed

# Who asks. Ours are the roles of our program; theirs are the same roles of another program.
OUR_ROLES = ("fellow", "faculty", "coordinator", "director")
THEIR_ROLES = ("their_fellow", "their_director")
PRINCIPALS = ("anonymous", *OUR_ROLES, *THEIR_ROLES)
SKIPPED_NAMESPACES = ("admin",)  # Django's admin: superusers only, tested by Django


@dataclass(frozen=True)
class RouteInfo:
    name: str
    kwargs: tuple[str, ...]


def all_routes() -> list[RouteInfo]:
    """Every named route of the project (allauth's own pages excepted: allauth tests them)."""
    routes: list[RouteInfo] = []

    def walk(resolver, namespace, converters):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES or "allauth" in str(
                    pattern.urlconf_name
                ):
                    continue
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(
                    pattern,
                    inner if pattern.namespace else namespace,
                    converters | dict(pattern.pattern.converters),
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                names = tuple(converters | dict(pattern.pattern.converters))
                routes.append(RouteInfo(name=name, kwargs=names))

    walk(get_resolver(), "", {})
    return routes


@dataclass(frozen=True)
class Route:
    """What the matrix expects of one route.

    ``allow`` maps one of our roles to the sides whose objects it may open ("mine": its own or
    its fellow's; "other": another fellow's of the same program). Objects of the other program
    are never allowed; the other program's people never get in; anonymous visitors are sent to
    sign in. ``everyone`` marks pages every signed-in user has (their own home); ``public``
    pages need no sign-in and are tried with a forged token only.
    """

    allow: dict[str, frozenset] = field(default_factory=dict)
    method: str = "get"
    everyone: bool = False
    public: bool = False
    extra: dict = field(default_factory=dict)
    # POST fields filled from the world: {field name: world id name}.
    data: dict = field(default_factory=dict)


def ask(
    client, world, principal: str, route: RouteInfo, spec: Route, side: str, refused: bool = False
):
    """One request, rolled back afterwards so a POST never changes what the next one sees.

    A refused write must also leave every row as it was (checked before the rollback hides it).
    """
    user = {
        "anonymous": None,
        "fellow": world.ours.fellow,
        "faculty": world.ours.faculty,
        "coordinator": world.ours.coordinator,
        "director": world.ours.director,
        "their_fellow": world.theirs.fellow,
        "their_director": world.theirs.director,
    }[principal]
    client.logout()
    if user is not None:
        client.force_login(user)
    kwargs = {name: world.ids[side][name] for name in route.kwargs if name not in spec.extra}
    kwargs |= {name: value for name, value in spec.extra.items() if name in route.kwargs}
    url = reverse(route.name, kwargs=kwargs)
    watch = refused and spec.method != "get"
    with transaction.atomic():
        data = {name: world.ids[side][key] for name, key in spec.data.items()}
        what = f"{spec.method.upper()} {url} as {principal} ({side}), refused,"
        with assert_nothing_changed(what) if watch else nullcontext():
            response = getattr(client, spec.method)(url, data)
        transaction.set_rollback(True)
    return url, response


# Who may open a route: our roles mapped to the sides whose objects they may open.
ANY = frozenset({"mine", "other"})  # own objects and other fellows' objects of the program
MINE = frozenset({"mine"})  # only the user's own (or, for faculty, the ones they assess)
STAFF = {"coordinator": ANY, "director": ANY}
TEACHERS = {"faculty": ANY, **STAFF}
DIRECTOR = {"director": ANY}
FELLOW = {"fellow": ANY}
MEMBERS = {"fellow": ANY, **TEACHERS}
