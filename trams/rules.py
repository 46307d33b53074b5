"""The domain's rules in one table: who signs what in which order, how each profile is
checked, the PAdES levels and the ETSI verdicts. Every layer reads them from here.

Sources: Decree 30/2020/ND-CP (leader first, then the agency; copies and attachments signed
by the agency alone; a desk officer signs a digitized dossier, Decree 107/2021 and Circular
01/2023), ETSI EN 319 142-1 (PAdES baseline levels), ETSI EN 319 102-1 (indications).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

ProfileName = Literal["issued", "copy", "attachment", "dossier"]
Role = Literal["leader", "agency", "officer"]
Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
PolicyName = Literal["vn-dual", "any", "copy"]

ROLES: tuple[Role, ...] = get_args(Role)
LEVELS: tuple[Level, ...] = get_args(Level)
POLICIES: tuple[PolicyName, ...] = get_args(PolicyName)
# Levels whose signatures carry a timestamp, and those that also embed validation data
# (certificates, OCSP responses, CRLs) so that they verify without the network.
TIMESTAMPED_LEVELS: frozenset[str] = frozenset({"B-T", "B-LT", "B-LTA"})
LONG_TERM_LEVELS: frozenset[str] = frozenset({"B-LT", "B-LTA"})
# The signature field each role signs in (pyHanko creates it when absent).
FIELD_NAMES: dict[str, str] = {"leader": "Leader", "agency": "Agency", "officer": "Officer"}
DOCUMENT_TIMESTAMP_FIELD = "DocTimestamp"


@dataclass(frozen=True)
class Profile:
    """A kind of signed document: its signers in signing order and how it is checked."""

    name: ProfileName
    roles: tuple[Role, ...]  # in signing order; the agency signs last
    policy: PolicyName  # the verification policy a document of this profile must pass

    @property
    def first_signer(self) -> Role | None:
        """Who must have signed before the agency may sign (None: the agency alone)."""
        return self.roles[0] if len(self.roles) > 1 else None


PROFILES: dict[str, Profile] = {
    # an issued document (văn bản đi): the leader signs, then the agency's seal
    "issued": Profile("issued", ("leader", "agency"), "vn-dual"),
    # a citizen's dossier digitized at the one-stop desk: the desk officer, then the agency
    "dossier": Profile("dossier", ("officer", "agency"), "vn-dual"),
    # an electronic copy (sao y, sao lục, trích sao) and an attachment: the agency alone
    "copy": Profile("copy", ("agency",), "copy"),
    "attachment": Profile("attachment", ("agency",), "copy"),
}
assert tuple(PROFILES) == ("issued", "dossier", "copy", "attachment")
assert set(PROFILES) == set(get_args(ProfileName))


def profile(name: str) -> Profile:
    return PROFILES[name]


# ETSI EN 319 102-1 main indications, and ERROR for a file that could not be read at all
# (not an ETSI indication).
TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"
ERROR = "ERROR"
INDICATIONS = (TOTAL_PASSED, INDETERMINATE, TOTAL_FAILED, ERROR)  # best first
_RANK = {indication: rank for rank, indication in enumerate(INDICATIONS)}


def worst(indications: list[str]) -> str:
    """A file's verdict: the worst of its signatures' and its policy's."""
    return max(indications, key=lambda i: _RANK[i], default=TOTAL_PASSED)
