/* E-sports: a leaderboard per game (chart + table) and a match prediction form. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, figure, table, options, message, errorText, fmt, clear, el } = CB;
  const game = document.getElementById("es-game");
  const plot = document.getElementById("es-chart");
  const rows = document.getElementById("es-table");
  const form = document.getElementById("es-predict");
  const result = document.getElementById("es-predict-result");

  async function show() {
    await load(plot, async () => {
      const path = `/esports/leaderboard?game=${encodeURIComponent(game.value)}&top=15`;
      const board = rowsOf(await api(path));
      await figure(plot, path);
      table(rows, board, ["rank", { key: "player", value: (r) => r.name }, "conservative", { key: "rating", label: T("col.mean_rating"), value: (r) => `${fmt(r.rating)} ± ${fmt(2 * r.sd)}` }, "matches", { key: "win_rate", value: (r) => fmt(r.matches ? r.wins / r.matches : null, "rate") }]);
      // suggest a pairing: the top two of the board
      if (board.length >= 2 && !form.elements.team_a.value) {
        form.elements.team_a.value = board[0].name;
        form.elements.team_b.value = board[1].name;
      }
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const team = (name) => String(form.elements[name].value).split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    message(result, T("state.loading"));
    try {
      const odds = await api("/esports/predict", { game: game.value, teams: [team("team_a"), team("team_b")] });
      clear(result);
      odds.teams.forEach((members, i) => {
        result.append(el("p", { text: `${members.join(", ")}: ${T("es.win_prob")} ${fmt(odds.win[i], "prob")}` }));
      });
      // a handle with no matches is rated as a newcomer: say so, with the names it may mean
      for (const name of odds.newcomers || []) {
        const close = (odds.did_you_mean || {})[name] || [];
        const hint = close.length ? ` ${T("es.did_you_mean")} ${close.join(", ")}?` : "";
        result.append(el("p", { class: "msg warn", "data-newcomer": name, text: `${name}: ${T("es.newcomer")}${hint}` }));
      }
    } catch (err) {
      if (!(err instanceof CB.ApiError && err.status === 401)) message(result, errorText(err), true);
    }
  });

  game.addEventListener("change", () => {
    form.elements.team_a.value = "";
    form.elements.team_b.value = "";
    show();
  });
  load(plot, async () => {
    const games = rowsOf(await api("/esports/games"));
    if (!games.length) {
      message(plot, T("state.empty"));
      return;
    }
    options(game, games.map((g) => ({ value: g.game, label: `${g.game} (${fmt(g.matches)} ${T("col.matches")})` })));
    await show();
  });
});
