"""What other apps add to the Clinical Competency Committee's packet.

``assessments`` builds the packet from its own ratings, narratives and self-assessments; other
apps add their sections through this registry, and ``assessments`` never imports them for it.
An app declares its sections on its ``AppConfig`` as ``ccc_evidence``, a list of dicts with
``EvidenceProvider``'s fields and ``collect`` as a dotted path; ``AssessmentsConfig.ready()``
registers them (``autodiscover``). The same way serves an app above this one (evaluators) and
one below that may not import ``assessments`` (didactics: the layers contract in
``pyproject.toml``). Tests may ``register`` and ``unregister`` a provider directly.

A provider's ``collect(user=..., fellow=..., period=...)`` returns plain JSON: it is stored under
``name`` in the packet (and so in the snapshot taken when the review is finalised), and the packet
page renders it with ``template`` (given ``data`` and ``provider``). ``user`` is who looks: the
packet is not scoped, callers check access to the review first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOT_YET_ASSESSABLE_LABEL = "Not Yet Assessable"
# ACGME's wording (and capitals) for a level below 1, ``models.NOT_YET_LEVEL_ONE`` (0.0).
NOT_YET_COMPLETED_LEVEL_ONE_LABEL = "Not Yet Completed Level 1"


@dataclass(frozen=True)
class EvidenceProvider:
    """One section of the packet, contributed by another app."""

    name: str  # the packet (and snapshot) key; unique
    title: str
    collect: Callable[..., Any]  # (*, user, fellow, period) -> JSON-serialisable data
    template: str  # rendered with ``data`` (the stored value, None if absent) and ``provider``
    order: int = 100  # place on the page; ties by name


_providers: dict[str, EvidenceProvider] = {}


def register(provider: EvidenceProvider) -> None:
    """Add (or replace, by name: ``ready()`` may run more than once) a provider."""
    _providers[provider.name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def autodiscover() -> None:
    """Register the sections declared as ``ccc_evidence`` on any installed app's config."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    for config in apps.get_app_configs():
        for spec in getattr(config, "ccc_evidence", ()):
            register(EvidenceProvider(**{**spec, "collect": import_string(spec["collect"])}))


def providers() -> list[EvidenceProvider]:
    """Every registered provider in page order (``order``, then ``name``): stable whatever order
    the apps were loaded in."""
    return sorted(_providers.values(), key=lambda provider: (provider.order, provider.name))


def level_text(level, not_assessable: bool) -> str:
    """How the packet and the CCC export write a level: "3.5", or the ACGME's "Not Yet
    Completed Level 1" (level 0.0) and "Not Yet Assessable"."""
    if not_assessable:
        return NOT_YET_ASSESSABLE_LABEL
    if level == 0:
        return NOT_YET_COMPLETED_LEVEL_ONE_LABEL
    return f"{level:.1f}"
