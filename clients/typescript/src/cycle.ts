// A client developer's tour of Shelf's API through the generated types:
// log in and make a token, then delete → undo → delete forever, a blocked
// delete, a stale If-Match and idempotent retries. Each check prints a line;
// the last line counts them, and any failure exits non-zero.
//
//   node dist/cycle.js http://127.0.0.1:8080 admin@example.com PASSWORD
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type ProblemCode = Problem["code"];

const [baseArg, emailArg, passwordArg] = process.argv.slice(2);
if (!baseArg || !emailArg || !passwordArg) {
  console.error("usage: node dist/cycle.js BASE_URL EMAIL PASSWORD");
  process.exit(2);
}
const baseUrl: string = baseArg;
const email: string = emailArg;
const password: string = passwordArg;

let passed = 0;
let failed = 0;
function check(what: string, ok: boolean, detail?: unknown): void {
  if (ok) {
    passed++;
    console.log(`ok   ${what}`);
  } else {
    failed++;
    console.log(`FAIL ${what}${detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
  }
}

// isProblem narrows an error body to Shelf's problem document with a code.
function isProblem(e: unknown, code: ProblemCode): e is Problem {
  return typeof e === "object" && e !== null && (e as Problem).code === code;
}

// What a client does with each kind of problem: it switches on the stable
// code, never on the wording of detail.
function advice(p: Problem): string {
  switch (p.code) {
    case "on_loan":
      return "return the loans first: " + p.blockers?.map((b) => `${b.type} ${b.id} (${b.label})`).join(", ");
    case "version_mismatch":
      return "reload the item and retry with its new ETag";
    case "name_taken":
      return "pick another name";
    case "not_found":
      return "it is gone, or was never yours";
    default:
      return p.detail;
  }
}

// cookieOf keeps a response's cookies as a Cookie header value.
function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function csrfFrom(res: Response): Promise<string> {
  const m = /<meta name="csrf-token" content="([^"]+)"/.exec(await res.text());
  if (!m?.[1]) throw new Error(`no csrf-token on ${res.url} (${res.status})`);
  return m[1];
}

// Tokens are made from a logged-in session: log in through the form, then
// ask the API with the session cookie and its CSRF token.
async function sessionToken(): Promise<string> {
  const page = await fetch(`${baseUrl}/login`);
  let cookie = cookieOf(page);
  const form = new URLSearchParams({ email, password, csrf_token: await csrfFrom(page) });
  const login = await fetch(`${baseUrl}/login`, {
    method: "POST",
    body: form,
    headers: { Cookie: cookie },
    redirect: "manual",
  });
  check("log in through the form (303)", login.status === 303, login.status);
  cookie = cookieOf(login) || cookie;
  const csrf = await csrfFrom(await fetch(`${baseUrl}/items`, { headers: { Cookie: cookie } }));
  const session = createClient<paths>({ baseUrl, headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
  const { data, response } = await session.POST("/api/v1/tokens", { body: { name: `client ${Date.now()}` } });
  check("a session makes a token (201, secret shown once)", response.status === 201 && !!data?.token, response.status);
  if (!data?.token) throw new Error("no token");
  return data.token;
}

async function main(): Promise<void> {
  const token = await sessionToken();
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const run = Date.now().toString(36);

  {
    const { error, response } = await api.POST("/api/v1/tokens", { body: { name: "minted" } });
    check("a token cannot make tokens (403 session_required)", response.status === 403 && isProblem(error, "session_required"), error);
  }

  // Create, with a retry that must not create twice.
  const key = { "Idempotency-Key": `create-${run}` };
  const created = await api.POST("/api/v1/items", { body: { name: `Ladder ${run}`, quantity: 1 }, params: { header: key } });
  const retried = await api.POST("/api/v1/items", { body: { quantity: 1, name: `Ladder ${run}` }, params: { header: key } });
  const item = created.data;
  if (!item) throw new Error(`create: ${created.response.status} ${JSON.stringify(created.error)}`);
  check("create an item (201 with Location)", created.response.status === 201 && created.response.headers.get("Location") === `/api/v1/items/${item.id}`);
  check(
    "a retry with the Idempotency-Key replays it",
    retried.response.status === 201 && retried.data?.id === item.id && retried.response.headers.get("Idempotent-Replayed") === "true",
    retried.data,
  );
  {
    const { error, response } = await api.POST("/api/v1/items", { body: { name: `Other ${run}` }, params: { header: key } });
    check("the key with another body is 422", response.status === 422 && isProblem(error, "idempotency_key_reused"), error);
  }

  // Impact, then delete → undo → delete forever.
  const impact = await api.GET("/api/v1/items/{id}/impact", { params: { path: { id: item.id } } });
  check("impact: a trash with no blockers", impact.data?.action === "trash" && impact.data.blockers.length === 0, impact.data);

  const del = await api.DELETE("/api/v1/items/{id}", { params: { path: { id: item.id } } });
  const cohort = del.response.headers.get("X-Shelf-Cohort") ?? "";
  check("delete: 204 with X-Shelf-Cohort", del.response.status === 204 && cohort !== "", del.response.status);
  check("delete: RateLimit headers", /^"default";r=\d+;t=\d+$/.test(del.response.headers.get("RateLimit") ?? ""), del.response.headers.get("RateLimit"));

  const trash = await api.GET("/api/v1/trash", { params: { query: { cohort } } });
  check(
    "the Trash lists the delete by its cohort",
    trash.data?.items.length === 1 && trash.data.items[0]?.id === item.id && trash.data.items[0]?.cohort === cohort,
    trash.data,
  );

  const undo = await api.POST("/api/v1/trash/restore", { body: { cohort } });
  check("undo restores exactly that delete", undo.data?.restored.length === 1 && undo.data.restored[0]?.id === item.id, undo.data);

  const again = await api.DELETE("/api/v1/items/{id}", { params: { path: { id: item.id } } });
  check("delete again (204)", again.response.status === 204, again.response.status);
  const purge = await api.DELETE("/api/v1/trash/{id}", { params: { path: { id: item.id } }, body: { reason: "client tour" } });
  check("delete forever (204)", purge.response.status === 204, purge.response.status);
  {
    const { error, response } = await api.GET("/api/v1/trash/{id}", { params: { path: { id: item.id } } });
    check("it is gone (404 not_found)", response.status === 404 && isProblem(error, "not_found"), error);
    if (isProblem(error, "not_found")) {
      const page = await fetch(error.type);
      check("the problem type is a page that explains it", page.status === 200 && error.type.endsWith("/problems/not-found"), error.type);
    }
  }

  // A blocked delete names what blocks it.
  const lent = await api.POST("/api/v1/items", { body: { name: `Drill ${run}` } });
  if (!lent.data) throw new Error("create the item to lend");
  const loan = await api.POST("/api/v1/items/{id}/loans", { params: { path: { id: lent.data.id } }, body: { borrower: "Carol" } });
  const loanAt = loan.response.headers.get("Location") ?? "";
  check("lend it (201; its Location answers GET)", loan.response.status === 201 && (await fetch(baseUrl + loanAt, { headers: { Authorization: `Bearer ${token}` } })).status === 200, loanAt);
  {
    const { error, response } = await api.DELETE("/api/v1/items/{id}", { params: { path: { id: lent.data.id } } });
    const blocker = error?.blockers?.[0];
    check(
      "a delete of an item on loan is 409 on_loan, blocked by the loan",
      response.status === 409 && isProblem(error, "on_loan") && blocker?.type === "loan" && blocker.id === loan.data?.id && blocker.label === "Carol",
      error,
    );
    if (error) console.log(`     advice: ${advice(error)}`);
  }

  // A stale If-Match is 412; the current ETag goes through.
  {
    const path = { id: lent.data.id };
    const { error, response } = await api.PATCH("/api/v1/items/{id}", { params: { path, header: { "If-Match": '"999"' } }, body: { quantity: 2 } });
    check("a stale If-Match is 412 version_mismatch", response.status === 412 && isProblem(error, "version_mismatch"), error);
    if (error) console.log(`     advice: ${advice(error)}`);
    const current = await api.GET("/api/v1/items/{id}", { params: { path } });
    const etag = current.response.headers.get("ETag") ?? "";
    const ok = await api.PATCH("/api/v1/items/{id}", { params: { path, header: { "If-Match": etag } }, body: { quantity: 2 } });
    check("the current ETag goes through (200)", ok.response.status === 200 && ok.data?.quantity === 2, ok.data);
  }

  // A bulk delete that trashes nothing has a null cohort.
  {
    const { data, response } = await api.POST("/api/v1/items/bulk-delete", { body: { ids: [lent.data.id] } });
    // note: a bulk delete of more ids than the server's job threshold is a
    // job (202); one id is answered at once (200).
    const res = response.status === 200 && data && "cohort" in data ? data : undefined;
    check("a bulk delete blocked whole: cohort null, the loan named", res?.cohort === null && res.blocked[0]?.item_id === lent.data.id, data);
  }

  // Pages: Link rel="next" while there is more.
  {
    const { data, response } = await api.GET("/api/v1/items", { params: { query: { limit: 1 } } });
    const link = response.headers.get("Link");
    check("a list page links to the next", data?.next === null ? link === null : /<[^>]+>; rel="next"/.test(link ?? ""), link);
  }
}

main()
  .catch((err: unknown) => {
    failed++;
    console.log(`FAIL ${err instanceof Error ? err.message : String(err)}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  });
