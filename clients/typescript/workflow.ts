// The documentation's workflows, written against the generated types only (vsee-api.d.ts,
// vsee-sim.d.ts from openapi-typescript) with openapi-fetch's path-based calls: compiled
// with tsc --strict, no casts, no non-null assertions (check-no-casts.mjs), run on node
// against a live vsee-sim by ../run (CI stage .ci/stages/40-clients).
//
//   node build/js/workflow.js http://127.0.0.1:8000
import createClient from "openapi-fetch";
import type { paths } from "./vsee-api.js";
import type { paths as simPaths } from "./vsee-sim.js";

const base = process.argv[2] ?? "http://127.0.0.1:8000";
const run = `ts-${process.pid}-${Date.now()}`;
// A namespace of our own: a whole world made from the demo clinic (README, "Namespaces").
const world = { "X-Sim-Namespace": run, "X-AccountCode": "vclinic" };
const api = createClient<paths>({ baseUrl: base, headers: world });
const sim = createClient<simPaths>({ baseUrl: base, headers: world });
const apiKey = { "X-ApiKey": "vclinic_api_key" };

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function ok<T>(answer: Answer<T>, what: string): T {
  if (answer.data === undefined) {
    throw new Error(`${what}: HTTP ${answer.response.status} ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`unexpected: ${what}`);
}

async function patientWalksInAndOut(): Promise<void> {
  // Use case #2: SSO, intake, walk-in, the visit, and out.
  const sso = ok(await api.POST("/api_v3/users/sso", {
    headers: apiKey,
    body: { first_name: "Ann", last_name: "Lee", code: `${run}-patient`, type: 200 },
  }), "POST /users/sso").data;
  const token = sso.token.token;
  const me = { "X-ApiToken": token };
  const intake = ok(await api.POST("/api_v3/intakes", {
    headers: me, body: { room_code: "ceproom1", reason_for_visit: "Fever", type: 1 },
  }), "POST /intakes").data;
  const walkin = ok(await api.POST("/api_v3/visits/add_walkin", {
    headers: me, body: { intake_id: intake.id, room_code: "ceproom1" },
  }), "POST /visits/add_walkin").data;
  expect(walkin.member_id === sso.id && walkin.status === 10, "a walk-in of this patient, pending");
  const visit = ok(await api.GET("/api_v3/visits/{visit_id}", {
    headers: me, params: { path: { visit_id: walkin.id } },
  }), "GET /visits/:id").data;
  const waitingFor = visit.provider === null ? "any provider" : visit.provider.full_name;
  const closed = ok(await api.POST("/api_v3/visits/close", {
    headers: me, body: { id: visit.id, reason: "patientexitroom" },
  }), "POST /visits/close").data;
  expect(closed.status === 40, "a visit left before the call is cancelled");
  console.log(`patient ${sso.id} (token ${token.slice(0, 6)}...) waited in ${visit.room_code} for ` +
              `${waitingFor}, visit ${closed.id} closed with status ${closed.status}`);
}

async function providerLogsIn(): Promise<void> {
  // The demo's provider 826 logs in by username and password and looks at a room's queue.
  const login = ok(await api.POST("/api_v3/users/login", {
    body: { username: "provider1", password: "111111" },
  }), "POST /users/login").data;
  expect(login.user.id === "826" && login.user_type === "400", "provider 826 logged in");
  const rooms = ok(await api.GET("/api_v3/rooms", { headers: { "X-ApiToken": login.token } }), "GET /rooms").data;
  const queue = ok(await api.GET("/api_v3/rooms/{code}/queue", {
    headers: { "X-ApiToken": login.token }, params: { path: { code: "ceproom1" } },
  }), "GET /rooms/:code/queue").data;
  console.log(`provider ${login.user.id} sees ${rooms.length} rooms, ${queue.length} waiting in ceproom1`);
}

async function providerRunsTheirRoom(): Promise<void> {
  // Provider use case #2: SSO, a room of their own, assignment; then a patient waits there
  // and the provider takes the call and ends it.
  const provider = ok(await api.POST("/api_v3/users/sso", {
    headers: apiKey,
    body: { first_name: "Ed", last_name: "Fox", code: `${run}-provider`, email: `${run}@example.com`, type: 400 },
  }), "POST /users/sso (provider)").data;
  const dr = { "X-ApiToken": provider.token.token };
  const room = ok(await api.POST("/api_v3/rooms", {
    headers: dr, body: { domain: "vclinic.vsee.me", slug: run, name: "Dr Fox's room" },
  }), "POST /rooms").data;
  const rooms = ok(await api.POST("/api_v3/users/{user_id}/rooms", {
    headers: dr, params: { path: { user_id: provider.id } }, body: { code: room.code },
  }), "POST /users/:id/rooms").data;
  expect(rooms.some((r) => r.code === room.code), "the provider is in the new room");

  const patient = ok(await api.POST("/api_v3/users/sso", {
    headers: apiKey, body: { first_name: "Bo", last_name: "Chen", code: `${run}-patient-2`, type: 200 },
  }), "POST /users/sso (patient)").data;
  const pt = { "X-ApiToken": patient.token.token };
  const intake = ok(await api.POST("/api_v3/intakes", {
    headers: pt, body: { room_code: room.code, reason_for_visit: "Rash", type: 1 },
  }), "POST /intakes").data;
  const walkin = ok(await api.POST("/api_v3/visits/add_walkin", {
    headers: pt, body: { intake_id: intake.id, room_code: room.code },
  }), "POST /visits/add_walkin").data;

  const queue = ok(await api.GET("/api_v3/rooms/{code}/queue", {
    headers: dr, params: { path: { code: room.code } },
  }), "GET /rooms/:code/queue").data;
  expect(queue.length === 1, "one patient waits in the new room");
  const waiting = ok(await api.GET("/api_v3/visits", {
    headers: dr, params: { query: { status: ["10"] } },
  }), "GET /visits?status=10").data;
  const first = waiting[0];
  expect(first !== undefined && first.id === walkin.id, "the provider sees the patient waiting");
  const started = ok(await api.POST("/api_v3/visits/inprogress", {
    headers: dr, body: { id: walkin.id },
  }), "POST /visits/inprogress").data;
  expect(started.status === 25 && started.provider?.id === provider.id, "the provider took the call");
  const done = ok(await api.POST("/api_v3/visits/close", {
    headers: dr, body: { id: walkin.id, reason: "call_ended" },
  }), "POST /visits/close").data;
  expect(done.status === 30, "a call ended by the provider completes the visit");
  console.log(`provider ${provider.id} opened room ${room.code}, saw ${queue.length} waiting, ` +
              `visit ${done.id} completed (status ${done.status})`);
}

async function main(): Promise<void> {
  const health = ok(await sim.GET("/_sim/health"), "GET /_sim/health");
  console.log(`vsee-sim at ${base}: ${JSON.stringify(health)}`);
  await patientWalksInAndOut();
  await providerLogsIn();
  await providerRunsTheirRoom();
  console.log("typescript workflows: ok");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
