// livemod console: the login view(s).
import { api, ensureMe, state, view } from "./lib.js";

export function loginView() {
  const v = view(`<form class="login card" id="login">
    <h1>livemod 审核台</h1>
    <p class="muted">用管理员发放的令牌登录。Sign in with the token an admin gave you
    (<code>livemod tokens create --role moderator</code>).</p>
    <input id="token" type="password" autocomplete="off" placeholder="lm_…" aria-label="token" autofocus>
    <button class="primary" type="submit">登录 Sign in</button>
    <p class="error" id="err"></p></form>`);
  v.querySelector("#login").onsubmit = async (e) => {
    e.preventDefault();
    try {
      state.me = await api("POST", "/v1/session", { token: v.querySelector("#token").value });
      state.me = null;
      await ensureMe();
      location.hash = state.me.role === "mcn" ? "#/reports" : "#/queue";
    } catch (err) { v.querySelector("#err").textContent = `登录失败 sign-in failed: ${err.message}`; }
  };
}
