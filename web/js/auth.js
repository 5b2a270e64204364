// Signing in through the identity provider: Cognito's user-pool API
// (InitiateAuth with USER_PASSWORD_AUTH, the NEW_PASSWORD_REQUIRED challenge,
// REFRESH_TOKEN_AUTH, RevokeToken), which cognito-local answers the same way
// locally. The tokens live in this module and in the tab's sessionStorage (a
// reload keeps the session, another tab or a closed one does not); never in a
// URL or localStorage. The access token is refreshed about a minute before it
// expires, and once more when the API refuses it (401).

const STORE = "dossier.auth";
const AHEAD_MS = 60_000; // refresh this long before the access token expires
const RETRY_MS = 30_000; // a refresh that could not reach the provider is tried again after this
const MAX_TIMER_MS = 2_147_483_647; // setTimeout's longest delay
const DEFAULT_LIFETIME_S = 3600;

/** A refusal or failure of the identity provider: `code` is Cognito's error type ("NotAuthorizedException", …) or "network". */
export class AuthError extends Error {
  constructor(code, message = "") {
    super(message || code);
    this.code = code;
  }
}

const auth = {
  endpoint: "",
  clientId: "",
  tokens: null, // {access, refresh, expiresAt, lifetime, email}
  timer: null,
  refreshing: null,
  onEnded: null,
};

/**
 * `identity` is config.json's {provider, endpoint, client_id, region}; without
 * an endpoint, the region's Cognito. `onEnded(error)` is called when the
 * session ends by itself (the provider refuses to refresh it).
 */
export function configureAuth(identity, { onEnded }) {
  auth.endpoint = identity.endpoint || `https://cognito-idp.${identity.region}.amazonaws.com/`;
  if (!auth.endpoint.endsWith("/")) auth.endpoint += "/";
  auth.clientId = identity.client_id;
  auth.onEnded = onEnded;
  document.addEventListener("visibilitychange", () => {
    // a tab in the background has its timers slowed: catch up when it is seen again
    if (document.visibilityState === "visible" && auth.tokens && dueForRefresh()) refreshInBackground();
  });
}

async function call(target, body) {
  let response;
  try {
    response = await fetch(auth.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}` },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new AuthError("network");
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok) {
    // "NotAuthorizedException", or with a namespace ("…#NotAuthorizedException") or a suffix (":http://…")
    const type = String(data.__type || response.headers.get("x-amzn-ErrorType") || `HTTP ${response.status}`);
    throw new AuthError(type.split("#").pop().split(":")[0], data.message || data.Message || "");
  }
  return data;
}

/** The payload of a JWT, unverified (only to know when it expires; the API verifies it). */
function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return {};
  }
}

/** Seconds the access token is valid: ExpiresIn, else its exp − iat (both relative, so this device's clock does not matter). */
function lifetimeOf(result) {
  if (Number(result.ExpiresIn) > 0) return Number(result.ExpiresIn);
  const { exp, iat } = claims(result.AccessToken);
  return Number(exp) > Number(iat) ? Number(exp) - Number(iat) : DEFAULT_LIFETIME_S;
}

function keep(result, email, refreshToken) {
  const lifetime = lifetimeOf(result);
  auth.tokens = {
    access: result.AccessToken,
    refresh: result.RefreshToken || refreshToken, // a refresh answers no new refresh token: the old one stays good
    expiresAt: Date.now() + lifetime * 1000,
    lifetime,
    email,
  };
  sessionStorage.setItem(STORE, JSON.stringify(auth.tokens));
  schedule();
}

function ahead() {
  return Math.min(AHEAD_MS, (auth.tokens.lifetime * 1000) / 2); // a short-lived token is renewed halfway
}

function dueForRefresh() {
  return Date.now() >= auth.tokens.expiresAt - ahead();
}

function schedule(delay) {
  clearTimeout(auth.timer);
  auth.timer = null;
  if (!auth.tokens) return;
  const wait = delay ?? auth.tokens.expiresAt - ahead() - Date.now();
  auth.timer = setTimeout(refreshInBackground, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
}

function refreshInBackground() {
  refresh().catch((error) => {
    if (!auth.tokens) return;
    if (transient(error) && Date.now() < auth.tokens.expiresAt) {
      schedule(RETRY_MS); // the provider could not be reached: the token still holds, try again soon
    } else {
      signOut({ revoke: false });
      auth.onEnded?.(error);
    }
  });
}

/** A failure worth trying again (the network, the provider busy), not a refusal. */
export function transient(error) {
  return (
    !(error instanceof AuthError) ||
    ["network", "TooManyRequestsException", "LimitExceededException", "InternalErrorException", "ServiceUnavailable"].includes(error.code) ||
    /^HTTP 5/.test(error.code)
  );
}

/** The session of this tab (after a reload), if it has one. */
export function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    if (saved && typeof saved.access === "string" && typeof saved.expiresAt === "number") {
      auth.tokens = { lifetime: DEFAULT_LIFETIME_S, ...saved };
      schedule();
      return true;
    }
  } catch {
    // not ours, or damaged: no session
  }
  sessionStorage.removeItem(STORE);
  return false;
}

export function signedIn() {
  return auth.tokens !== null;
}

/** The address the session signed in with. */
export function signedInEmail() {
  return auth.tokens ? auth.tokens.email : "";
}

/**
 * USER_PASSWORD_AUTH. Resolves {done: true} once signed in, or
 * {challenge: "NEW_PASSWORD_REQUIRED", session, username, email} for an
 * invited member's first sign-in with a temporary password (answer it with
 * `choosePassword`). Rejects with an AuthError.
 */
export async function signIn(email, password) {
  const data = await call("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: auth.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  return settle(data, email);
}

export async function choosePassword({ session, username, email }, newPassword) {
  const data = await call("RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: auth.clientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  return settle(data, email);
}

function settle(data, email) {
  if (data.AuthenticationResult && data.AuthenticationResult.AccessToken) {
    const previous = auth.tokens;
    keep(data.AuthenticationResult, email, null);
    if (previous && previous.refresh) revoke(previous.refresh); // another member's session (the demo picker)
    return { done: true };
  }
  if (data.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    const username = (data.ChallengeParameters && data.ChallengeParameters.USER_ID_FOR_SRP) || email;
    return { challenge: data.ChallengeName, session: data.Session, username, email };
  }
  // MFA and the other challenges are not set up for this user pool
  throw new AuthError(data.ChallengeName ? "UnsupportedChallenge" : "NoTokens");
}

/** A fresh access token (refreshed first when it is about to expire); "" when signed out. */
export async function accessToken() {
  if (!auth.tokens) return "";
  if (Date.now() >= auth.tokens.expiresAt - 5000) {
    try {
      await refresh();
    } catch {
      // the request goes with the token it has; a 401 then ends the session
    }
  }
  return auth.tokens ? auth.tokens.access : "";
}

/** REFRESH_TOKEN_AUTH; one at a time (requests refused together share it). Resolves the new access token. */
export function refresh() {
  if (!auth.refreshing) {
    auth.refreshing = renew().finally(() => {
      auth.refreshing = null;
    });
  }
  return auth.refreshing;
}

async function renew() {
  const before = auth.tokens;
  if (!before || !before.refresh) throw new AuthError("NotAuthorizedException");
  const data = await call("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: auth.clientId,
    AuthParameters: { REFRESH_TOKEN: before.refresh },
  });
  if (auth.tokens !== before) {
    // signed out meanwhile, or in again (the demo picker): that session's token, if any
    if (!auth.tokens) throw new AuthError("SignedOut");
    return auth.tokens.access;
  }
  if (!data.AuthenticationResult || !data.AuthenticationResult.AccessToken) throw new AuthError("NoTokens");
  keep(data.AuthenticationResult, before.email, before.refresh);
  return auth.tokens.access;
}

/**
 * The API refused `used` (401): the token to try once more with, or null. A
 * request refused with a token since replaced retries with the new one;
 * otherwise this refreshes once.
 */
export async function renewAfterRefusal(used) {
  if (!auth.tokens) return null;
  if (auth.tokens.access !== used) return auth.tokens.access;
  try {
    return await refresh();
  } catch {
    return null;
  }
}

function revoke(refreshToken) {
  // Best effort: the tab forgets the tokens whatever the provider answers.
  call("RevokeToken", { ClientId: auth.clientId, Token: refreshToken }).catch(() => {});
}

/** Forgets the tokens (and, unless `revoke` is false, asks the provider to revoke the refresh token). */
export function signOut({ revoke: revoking = true } = {}) {
  const previous = auth.tokens;
  clearTimeout(auth.timer);
  auth.timer = null;
  auth.tokens = null;
  sessionStorage.removeItem(STORE);
  if (revoking && previous && previous.refresh) revoke(previous.refresh);
}
