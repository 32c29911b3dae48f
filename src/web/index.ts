/** The web pages' public API: build them once at start, then serve them on the REST router. */
export { bundleWebAssets, webAssets, PAGES, type WebAsset, type WebAssets, type BundleOptions } from "./bundle.ts";
export { registerWebRoutes, serveWebAsset, assetFor, type WebRouteOptions, type ServerInfo, SERVER_INFO_PATH } from "./static-routes.ts";
export { WEB_ERR, WebError } from "./errors.ts";
