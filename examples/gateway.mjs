// A gateway started from code: REST API, web pages and the RTMP server in this process, reacting
// to what happens in it. Configuration comes from TRANSPOND_* environment variables (README's
// configuration table), with the secure listeners turned off here.
//
//   TRANSPOND_HTTP_PORT=8081 TRANSPOND_RTMP_PORT=1935 node examples/gateway.mjs
import { loadConfig, startApp } from "transpond";

const { config } = loadConfig({ env: process.env });
const app = await startApp({ ...config, "https.port": 0, "wss.port": 0 });

app.hub.listen({
  published: (stream) => console.log(`stream ${stream.name}: published (${stream.info.source})`),
  unpublished: (stream, reason) => console.log(`stream ${stream.name}: unpublished (${reason})`),
});
app.transponders.on("state", ({ transponder, from, to }) => {
  const why = transponder.lastError ? ` (${transponder.lastError})` : "";
  console.log(`transponder ${transponder.options.stream.name} -> ${transponder.options.displayUrl}: ${from} -> ${to}${why}`);
});

console.log(`ready ${JSON.stringify(app.ports)}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    app.stop().then(() => console.log("stopped"));
  });
}
