// An example browser app, bundled with esbuild by run-tests.sh (and loaded in headless Chromium):
// lists the devices of the tailnet at `?api=` and tags the first one.
import { Client, TailnetError } from "tailnet";

const params = new URLSearchParams(location.search);
const client = new Client({ apiKey: params.get("key") ?? "", baseUrl: params.get("api") ?? undefined });
const out = document.getElementById("out")!;

async function run(): Promise<void> {
  const { devices = [] } = await client.listTailnetDevices();
  out.textContent = devices.map((d) => d.name).join("\n");
  await client.setDeviceTags({ deviceId: devices[0]?.nodeId ?? "", tags: ["tag:ci"] });
  const again = await client.getDevice({ deviceId: devices[0]?.nodeId ?? "" });
  (window as unknown as { __result: unknown }).__result = { ok: true, count: devices.length, tags: again.tags };
}

run().catch((error: unknown) => {
  out.textContent = error instanceof TailnetError ? `${error.kind}: ${error.message}` : String(error);
  (window as unknown as { __result: unknown }).__result = { ok: false, error: String(error) };
});
