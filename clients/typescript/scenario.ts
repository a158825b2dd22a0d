// A short scenario through the TypeScript client generated from openapi/openapi.json
// (openapi-typescript types + openapi-fetch), against a running server:
// log in, list counties, create an organization, pair it with a county, read the
// overview. CI type-checks it with `tsc --strict` first, so a change of the spec
// that breaks what a client writes here fails before anything runs.
//
//   ZHENXING_BASE_URL=http://127.0.0.1:8080 ZHENXING_ADMIN_PASSWORD=… node dist/scenario.js
//
// Exits 1 at the first failed step. No `any` anywhere: every body below is checked
// against the generated `paths`.

import createClient from "openapi-fetch";
import type { components, paths } from "./src/schema.js";

type Schemas = components["schemas"];

const baseUrl = requiredEnv("ZHENXING_BASE_URL");
const password = requiredEnv("ZHENXING_ADMIN_PASSWORD");

function requiredEnv(name: string): string {
    const value = process.env[name];
    if (value === undefined || value === "") {
        console.error(`${name} is not set`);
        process.exit(2);
    }
    return value;
}

class ScenarioError extends Error {}

function check(condition: boolean, message: string): asserts condition {
    if (!condition) {
        throw new ScenarioError(message);
    }
}

/** The body of a response that must have the given status. */
function expectStatus<T>(
    what: string,
    status: number,
    result: { data?: T; error?: unknown; response: Response },
): T {
    const got = result.response.status;
    if (got !== status || result.data === undefined) {
        const body = result.error === undefined ? "" : ` ${JSON.stringify(result.error)}`;
        throw new ScenarioError(`${what}: expected ${status}, got ${got}${body}`);
    }
    return result.data;
}

// 统一社会信用代码 (GB 32100-2015) of a provincial social group of Yunnan (51530000…)
// with organization code MJ + n as 6 digits (GB 11714): the same construction as
// tests/src/lib.rs `credit_code_with`.
const CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

function creditCode(n: number): string {
    const body = `MJ${String(n).padStart(6, "0")}`;
    const weights11 = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum11 = 0;
    for (let i = 0; i < 8; i++) {
        const c = body.charCodeAt(i);
        const value = c >= 48 && c <= 57 ? c - 48 : c - 65 + 10;
        sum11 += value * (weights11[i] ?? 0);
    }
    const r = 11 - (sum11 % 11);
    const c9 = r === 10 ? "X" : r === 11 ? "0" : String(r);
    const first17 = `51530000${body}${c9}`;
    let weight = 1;
    let sum = 0;
    for (const c of first17) {
        sum += CREDIT_ALPHABET.indexOf(c) * weight;
        weight = (weight * 3) % 31;
    }
    return first17 + CREDIT_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Even numbers here, odd ones in the Python scenario: the two never collide on one
// server, and a rerun against a long-lived server almost surely picks a new code.
const n = 2 * Math.floor(Math.random() * 500_000);
const code = creditCode(n);

const anonymous = createClient<paths>({ baseUrl });
let client = anonymous;
let county: Schemas["County"] | undefined;
let organization: Schemas["Organization"] | undefined;
let pairing: Schemas["Pairing"] | undefined;

const steps: [string, () => Promise<void>][] = [
    [
        "log in as admin",
        async () => {
            const body: Schemas["LoginRequest"] = { username: "admin", password };
            const token = expectStatus(
                "POST /auth/login",
                200,
                await anonymous.POST("/api/v1/auth/login", { body }),
            );
            check(token.access_token.length > 0, "empty access_token");
            check(token.token_type === "Bearer", `token_type ${token.token_type}`);
            check(token.expires_in > 0, `expires_in ${token.expires_in}`);
            client = createClient<paths>({
                baseUrl,
                headers: { Authorization: `Bearer ${token.access_token}` },
            });
            const me = expectStatus("GET /auth/me", 200, await client.GET("/api/v1/auth/me"));
            check(me.username === "admin", `logged in as ${me.username}`);
        },
    ],
    [
        "list counties",
        async () => {
            const page = expectStatus(
                "GET /counties",
                200,
                await anonymous.GET("/api/v1/counties", {
                    params: { query: { page_size: 100, sort: "code" } },
                }),
            );
            check(page.total === 129, `Yunnan has 129 counties, the API says ${page.total}`);
            check(page.page === 1 && page.page_size === 100, `page ${page.page}/${page.page_size}`);
            check(page.items.length === 100, `${page.items.length} items on a page of 100`);
            const codes = page.items.map((c) => c.code);
            check(
                codes.every((c, i) => /^53\d{4}$/.test(c) && (i === 0 || (codes[i - 1] ?? "") < c)),
                `codes not 53xxxx in ascending order: ${codes.slice(0, 5).join(",")}…`,
            );
            county = page.items[0];
            check(county !== undefined, "no county");
            check(county.villages_count > 0, `${county.code} has no villages`);
        },
    ],
    [
        "create an organization",
        async () => {
            const body: Schemas["CreateOrganization"] = {
                name: `SDK 场景（TypeScript）${code}`,
                credit_code: code,
                org_type: "social_group",
                level: "provincial",
                sector: "charity",
                registration_region_code: "53",
                has_party_organization: false,
            };
            const result = await client.POST("/api/v1/organizations", { body });
            const created = expectStatus("POST /organizations", 201, result);
            check(UUID.test(created.id), `id ${created.id}`);
            check(created.credit_code === code, `credit_code ${created.credit_code}`);
            check(created.name === body.name, `name ${created.name}`);
            check(created.status === "active", `status ${created.status}`);
            check(created.sector === "charity", `sector ${String(created.sector)}`);
            const location = result.response.headers.get("Location") ?? "";
            check(location.endsWith(`/organizations/${created.id}`), `Location ${location}`);
            check(result.response.headers.get("ETag") !== null, "no ETag");
            organization = created;

            const again = expectStatus(
                "GET /organizations/{id}",
                200,
                await client.GET("/api/v1/organizations/{id}", {
                    params: { path: { id: created.id } },
                }),
            );
            check(again.id === created.id, `read back ${again.id}`);
        },
    ],
    [
        "pair it with a county",
        async () => {
            check(organization !== undefined && county !== undefined, "no organization or county");
            const body: Schemas["CreatePairing"] = {
                organization_id: organization.id,
                county_code: county.code,
            };
            pairing = expectStatus(
                "POST /pairings",
                201,
                await client.POST("/api/v1/pairings", { body }),
            );
            check(pairing.organization_id === organization.id, `organization ${pairing.organization_id}`);
            check(pairing.county_code === county.code, `county ${pairing.county_code} ≠ ${county.code}`);
            check(pairing.county_name === county.name, `county name ${pairing.county_name}`);
            check(pairing.prefecture_code === county.prefecture_code, `prefecture ${pairing.prefecture_code}`);
            check(pairing.organization_credit_code === code, `credit code ${pairing.organization_credit_code}`);
            check(pairing.status === "pending_agreement", `status ${pairing.status}`);
            check(pairing.batch === 1, `batch ${pairing.batch}`);

            // The same pair again is a conflict, answered as a typed problem.
            const twice = await client.POST("/api/v1/pairings", { body });
            check(twice.response.status === 409, `second pairing: ${twice.response.status}`);
            check(twice.error?.code === "conflict", `second pairing: ${JSON.stringify(twice.error)}`);

            const listed = expectStatus(
                "GET /pairings",
                200,
                await client.GET("/api/v1/pairings", {
                    params: { query: { organization_id: organization.id } },
                }),
            );
            check(
                listed.total === 1 && listed.items[0]?.id === pairing.id,
                `pairings of the organization: ${listed.items.map((p) => p.id).join(",")}`,
            );
        },
    ],
    [
        "read the overview",
        async () => {
            // Public: the province's figures (an officer signed in would get their region's).
            const overview = expectStatus(
                "GET /stats/overview",
                200,
                await anonymous.GET("/api/v1/stats/overview"),
            );
            check(overview.region_code === "53", `region ${overview.region_code}`);
            check(overview.counties_total === 129, `counties_total ${overview.counties_total}`);
            const targets: [string, Schemas["Target"]][] = [
                ["counties_covered", overview.counties_covered],
                ["villages_helped", overview.villages_helped],
                ["households_helped", overview.households_helped],
                ["party_pairings_active", overview.party_pairings_active],
            ];
            for (const [name, t] of targets) {
                const expected = t.target === 0 ? 0 : Math.min(1, t.value / t.target);
                check(Math.abs(t.progress - expected) < 1e-9, `${name}: ${JSON.stringify(t)}`);
            }
            check(overview.counties_covered.target === 129, `counties target ${overview.counties_covered.target}`);
            check(overview.villages_helped.target === 1000, `villages target ${overview.villages_helped.target}`);
            // This scenario's pairing is in the figures.
            check(overview.counties_covered.value >= 1, `counties covered ${overview.counties_covered.value}`);
            check(overview.organizations_participating >= 1, `organizations ${overview.organizations_participating}`);
            const pending = overview.pairings_by_status["pending_agreement"] ?? 0;
            check(pending >= 1, `pairings by status ${JSON.stringify(overview.pairings_by_status)}`);
        },
    ],
];

let passed = 0;
for (const [name, run] of steps) {
    try {
        await run();
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        console.error(`FAILED  ${name}: ${message}`);
        if (!(e instanceof ScenarioError) && e instanceof Error && e.stack !== undefined) {
            console.error(e.stack);
        }
        console.log(`typescript: ${passed} passed, 1 failed`);
        process.exit(1);
    }
    console.log(`ok      ${name}`);
    passed++;
}
console.log(`typescript: ${passed} passed, 0 failed`);
