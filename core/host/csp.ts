/**
 * The renderer's Content-Security-Policy, shared by the desktop shell and
 * serve mode so both run the UI under the same rules: only the app's own
 * scripts, no eval, no plugins, no framing, no forms posting anywhere, and
 * network access only back to where the page came from.
 *
 * Styles allow 'unsafe-inline' because Naive UI and ECharts inject <style>
 * elements at run time; scripts never do.
 */
export function contentSecurityPolicy(opts: { connectSrc?: string[]; meta?: boolean } = {}): string {
  const connect = ["'self'", ...(opts.connectSrc ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    // Browsers ignore (and warn about) frame-ancestors in a <meta> policy; headers carry it.
    ...(opts.meta ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}
