/** Pages under test are served by the playground's static server (see its module comment). */
export { type StaticServer as StaticSite, serveStatic } from "../../playground/static-server.js";
