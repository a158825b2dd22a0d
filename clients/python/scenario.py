"""A short scenario through the Python client generated from openapi/openapi.json
(openapi-python-client), against a running server: log in, list counties, create an
organization, pair it with a county, read the overview.

    PYTHONPATH=<where zhenxing_client was generated> \\
    ZHENXING_BASE_URL=http://127.0.0.1:8080 ZHENXING_ADMIN_PASSWORD=… python scenario.py

CI runs `mypy --strict` over it first, so a change of the spec that breaks what a
client writes here fails before anything runs; at run time the generated models parse
every response, so a server that answers otherwise than the spec says fails too.
Exits 1 at the first failed step.
"""

from __future__ import annotations

import os
import random
import re
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

from zhenxing_client import AuthenticatedClient, Client
from zhenxing_client.api.auth import login, me
from zhenxing_client.api.counties import list_counties
from zhenxing_client.api.organizations import create_organization, get_organization
from zhenxing_client.api.pairings import create_pairing, list_pairings
from zhenxing_client.api.stats import get_overview
from zhenxing_client.models import (
    CreateOrganization,
    CreatePairing,
    LoginRequest,
    Organization,
    OrgLevel,
    OrgStatus,
    OrgType,
    Overview,
    PagedCounty,
    PagedCountyItemsItem,
    PagedPairing,
    Pairing,
    PairingStatus,
    Problem,
    Sector,
    Target,
    TokenResponse,
    User,
)
from zhenxing_client.types import Response

T = TypeVar("T")
R = TypeVar("R")


class ScenarioError(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def expect(what: str, status: int, response: Response[R], kind: type[T]) -> T:
    """The body of a response that must have the given status, parsed as `kind` (one
    of the generated models)."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, kind):
        raise ScenarioError(
            f"{what}: expected {status}, got {int(response.status_code)} "
            f"{response.content.decode(errors='replace')}"
        )
    return parsed


def expect_problem(what: str, status: int, response: Response[R]) -> Problem:
    """The problem+json body of a response that must be an error with the given status."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, Problem):
        raise ScenarioError(
            f"{what}: expected a problem with {status}, got {int(response.status_code)} "
            f"{response.content.decode(errors='replace')}"
        )
    return parsed


# 统一社会信用代码 (GB 32100-2015) of a provincial social group of Yunnan (51530000…)
# with organization code MJ + n as 6 digits (GB 11714): the same construction as
# tests/src/lib.rs `credit_code_with`.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(n: int) -> str:
    body = f"MJ{n:06d}"
    sum11 = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
        for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2])
    )
    r = 11 - sum11 % 11
    c9 = "X" if r == 10 else "0" if r == 11 else str(r)
    first17 = f"51530000{body}{c9}"
    total, weight = 0, 1
    for c in first17:
        total += CREDIT_ALPHABET.index(c) * weight
        weight = weight * 3 % 31
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Scenario:
    def __init__(self, base_url: str, password: str) -> None:
        self.base_url = base_url
        self.password = password
        self.anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
        self.client: AuthenticatedClient | None = None
        # Odd numbers here, even ones in the TypeScript scenario: the two never collide
        # on one server, and a rerun against a long-lived server almost surely picks a
        # new code.
        self.code = credit_code(2 * random.randrange(500_000) + 1)
        self.county: PagedCountyItemsItem | None = None
        self.organization: Organization | None = None
        self.pairing: Pairing | None = None

    def authed(self) -> AuthenticatedClient:
        check(self.client is not None, "not logged in")
        assert self.client is not None
        return self.client

    def log_in(self) -> None:
        token = expect(
            "POST /auth/login",
            200,
            login.sync_detailed(
                client=self.anonymous,
                body=LoginRequest(username="admin", password=self.password),
            ),
            TokenResponse,
        )
        check(token.access_token != "", "empty access_token")
        check(token.token_type == "Bearer", f"token_type {token.token_type}")
        check(token.expires_in > 0, f"expires_in {token.expires_in}")
        self.client = AuthenticatedClient(
            base_url=self.base_url, token=token.access_token, raise_on_unexpected_status=True
        )
        user = expect("GET /auth/me", 200, me.sync_detailed(client=self.client), User)
        check(user.username == "admin", f"logged in as {user.username}")

    def list_counties(self) -> None:
        page = expect(
            "GET /counties",
            200,
            list_counties.sync_detailed(client=self.anonymous, page_size=100, sort="code"),
            PagedCounty,
        )
        check(page.total == 129, f"Yunnan has 129 counties, the API says {page.total}")
        check(page.page == 1 and page.page_size == 100, f"page {page.page}/{page.page_size}")
        check(len(page.items) == 100, f"{len(page.items)} items on a page of 100")
        codes = [c.code for c in page.items]
        check(
            all(re.fullmatch(r"53\d{4}", c) for c in codes) and codes == sorted(codes),
            f"codes not 53xxxx in ascending order: {codes[:5]}…",
        )
        # The second county: the TypeScript scenario pairs the first.
        county = page.items[1]
        check(county.villages_count > 0, f"{county.code} has no villages")
        self.county = county

    def create_organization(self) -> None:
        body = CreateOrganization(
            name=f"SDK 场景（Python）{self.code}",
            credit_code=self.code,
            org_type=OrgType.SOCIAL_GROUP,
            level=OrgLevel.PROVINCIAL,
            sector=Sector.CHARITY,
            registration_region_code="53",
            has_party_organization=False,
        )
        response = create_organization.sync_detailed(client=self.authed(), body=body)
        org = expect("POST /organizations", 201, response, Organization)
        check(bool(UUID.match(str(org.id))), f"id {org.id}")
        check(org.credit_code == self.code, f"credit_code {org.credit_code}")
        check(org.name == body.name, f"name {org.name}")
        check(org.status == OrgStatus.ACTIVE, f"status {org.status}")
        check(org.sector == Sector.CHARITY, f"sector {org.sector}")
        location = response.headers.get("Location", "")
        check(location.endswith(f"/organizations/{org.id}"), f"Location {location}")
        check("ETag" in response.headers, "no ETag")
        self.organization = org

        again = expect(
            "GET /organizations/{id}",
            200,
            get_organization.sync_detailed(org.id, client=self.authed()),
            Organization,
        )
        check(again.id == org.id, f"read back {again.id}")

    def pair(self) -> None:
        org, county = self.organization, self.county
        check(org is not None and county is not None, "no organization or county")
        assert org is not None and county is not None
        body = CreatePairing(organization_id=org.id, county_code=county.code)
        pairing = expect(
            "POST /pairings",
            201,
            create_pairing.sync_detailed(client=self.authed(), body=body),
            Pairing,
        )
        check(pairing.organization_id == org.id, f"organization {pairing.organization_id}")
        check(pairing.county_code == county.code, f"county {pairing.county_code} ≠ {county.code}")
        check(pairing.county_name == county.name, f"county name {pairing.county_name}")
        check(
            pairing.prefecture_code == county.prefecture_code,
            f"prefecture {pairing.prefecture_code}",
        )
        check(pairing.organization_credit_code == self.code, "credit code")
        check(pairing.status == PairingStatus.PENDING_AGREEMENT, f"status {pairing.status}")
        check(pairing.batch == 1, f"batch {pairing.batch}")
        self.pairing = pairing

        # The same pair again is a conflict, answered as a typed problem.
        problem = expect_problem(
            "POST /pairings again",
            409,
            create_pairing.sync_detailed(client=self.authed(), body=body),
        )
        check(problem.code == "conflict", f"second pairing: {problem.code}")

        listed = expect(
            "GET /pairings",
            200,
            list_pairings.sync_detailed(client=self.authed(), organization_id=org.id),
            PagedPairing,
        )
        check(
            listed.total == 1 and listed.items[0].id == pairing.id,
            f"pairings of the organization: {[p.id for p in listed.items]}",
        )

    def read_overview(self) -> None:
        # Public: the province's figures (an officer signed in would get their region's).
        overview = expect(
            "GET /stats/overview",
            200,
            get_overview.sync_detailed(client=self.anonymous),
            Overview,
        )
        check(overview.region_code == "53", f"region {overview.region_code}")
        check(overview.counties_total == 129, f"counties_total {overview.counties_total}")
        targets: list[tuple[str, Target]] = [
            ("counties_covered", overview.counties_covered),
            ("villages_helped", overview.villages_helped),
            ("households_helped", overview.households_helped),
            ("party_pairings_active", overview.party_pairings_active),
        ]
        for name, t in targets:
            expected = 0.0 if t.target == 0 else min(1.0, t.value / t.target)
            check(abs(t.progress - expected) < 1e-9, f"{name}: {t.to_dict()}")
        check(overview.counties_covered.target == 129, "counties target")
        check(overview.villages_helped.target == 1000, "villages target")
        # This scenario's pairing is in the figures.
        check(overview.counties_covered.value >= 1, "no county covered")
        check(overview.organizations_participating >= 1, "no organization participating")
        pending = overview.pairings_by_status.additional_properties.get("pending_agreement", 0)
        check(pending >= 1, f"pairings by status {overview.pairings_by_status.to_dict()}")


def main() -> int:
    base_url = os.environ.get("ZHENXING_BASE_URL", "")
    password = os.environ.get("ZHENXING_ADMIN_PASSWORD", "")
    if not base_url or not password:
        print("ZHENXING_BASE_URL and ZHENXING_ADMIN_PASSWORD must be set", file=sys.stderr)
        return 2
    scenario = Scenario(base_url, password)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("log in as admin", scenario.log_in),
        ("list counties", scenario.list_counties),
        ("create an organization", scenario.create_organization),
        ("pair it with a county", scenario.pair),
        ("read the overview", scenario.read_overview),
    ]
    passed = 0
    for name, step in steps:
        try:
            step()
        except ScenarioError as e:
            print(f"FAILED  {name}: {e}", file=sys.stderr)
        except Exception:  # a parse error, a connection error, an unexpected status
            print(f"FAILED  {name}:", file=sys.stderr)
            traceback.print_exc()
        else:
            print(f"ok      {name}", flush=True)
            passed += 1
            continue
        print(f"python: {passed} passed, 1 failed")
        return 1
    print(f"python: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
