import { render } from "preact";
import { App } from "./App.tsx";
import { ApiContext } from "./hooks.ts";
import { Api } from "./lib/api.ts";
import type { Auth } from "./lib/auth.ts";
import { loadConfig } from "./lib/config.ts";
import "./styles.css";

function Fatal({ message }: { message: string }) {
  return (
    <div class="fatal" role="alert">
      <h1>zonetrail could not start</h1>
      <p class="error-message">{message}</p>
      <button type="button" class="btn" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  );
}

async function start(root: HTMLElement): Promise<void> {
  try {
    const cfg = await loadConfig();
    performance.mark("zt:config");
    let auth: Auth | null = null;
    if (cfg.auth) {
      // Loaded only with sign-in on: the local dashboard does not download the OIDC client.
      const { Auth } = await import("./lib/auth.ts");
      auth = new Auth(cfg.auth);
      // false: the browser is on its way to the sign-in page.
      if (!(await auth.ensureSignedIn())) return;
    }
    const api = new Api({
      apiBase: cfg.apiBase,
      token: () => auth?.bearer() ?? null,
      onUnauthorized: () => auth?.expired(),
    });
    root.textContent = "";
    render(
      <ApiContext.Provider value={api}>
        <App auth={auth} />
      </ApiContext.Provider>,
      root,
    );
  } catch (e) {
    root.textContent = "";
    render(<Fatal message={(e as Error).message} />, root);
  }
}

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element to render the dashboard into");
void start(root);
