import type { ParameterizedContext } from 'koa';
import { type AdaptiveSettings, firedSignals, type RiskSignal, type Travel } from '../assurance/index.ts';
import type { Clock } from '../clock.ts';
import type { KnownBrowsers } from '../interactions/known_browsers.ts';
import type { AuditLogStore, RecordStore } from '../store/ports.ts';
import { distanceKm, type Geoip, type Place } from './geoip.ts';
import { networkList, networkOf } from './networks.ts';

const kind = 'SignInHistory';
const day = 24 * 60 * 60 * 1000;
const lifetimeMs = 400 * day;
/** networks and countries kept per account, the most recently used */
const kept = 50;

/**
 * Where an account's sign-ins came from, one record per account. Networks and countries are
 * learnt only from sign-ins that proved a second factor: a password alone (which a thief may
 * hold) never makes a place usual. The last place is any sign-in's, for impossible travel.
 * Indexed by account, so a password change or "sign out everywhere" forgets it (the next
 * sign-in then asks for the factor: the safe direction).
 */
interface SignInHistory {
  networks: Record<string, number>;
  countries: Record<string, number>;
  last: { latitude: number; longitude: number; at: number } | null;
  /** when a sign-in last proved a second factor: failures before it are forgiven */
  verifiedAt: number | null;
}

const empty: SignInHistory = { networks: {}, countries: {}, last: null, verifiedAt: null };

/** What adaptive step-up found out about one sign-in: the signals that fired, and where it came from. */
export interface RiskAssessment {
  signals: RiskSignal[];
  /** the country's English name (else code) when GeoIP knows it, for the owner's alert */
  country: string | null;
}

export interface AdaptiveSettingsWithLists extends AdaptiveSettings {
  alwaysAskNetworks: string[];
  neverAskNetworks: string[];
}

interface Deps {
  records: RecordStore;
  auditLog: AuditLogStore;
  knownBrowsers: KnownBrowsers;
  geoip: Geoip | null;
  settings: AdaptiveSettingsWithLists;
  clock: Clock;
}

/** The most recent `kept` entries of a last-used map. */
function newest(map: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(map)
      .sort(([, a], [, b]) => b - a)
      .slice(0, kept),
  );
}

/**
 * Adaptive step-up: gathers the facts of a password sign-in (browser, network, failures,
 * country, travel) for the assurance rules, and learns each sign-in's place afterwards.
 */
export function createAdaptiveStepUp({ records, auditLog, knownBrowsers, geoip, settings, clock }: Deps) {
  const alwaysAsk = networkList(settings.alwaysAskNetworks);
  const neverAsk = networkList(settings.neverAskNetworks);

  const historyOf = async (accountId: string): Promise<SignInHistory> => {
    const record = await records.find(kind, accountId);
    return record ? { ...empty, ...(record.payload as Partial<SignInHistory>) } : empty;
  };
  const placeOf = (ip: string | null): Place | null => (ip && geoip ? geoip.lookup(ip) : null);

  async function failuresSince(accountId: string, since: number): Promise<number> {
    const failed = await auditLog.query({ accountId, result: 'failed', since, limit: 100 });
    return failed.filter((event) => event.type === 'login_failed' || event.type === 'code_failed').length;
  }

  function travelFrom(history: SignInHistory, place: Place | null, now: number): Travel | null {
    if (!history.last || place?.latitude == null || place.longitude == null) return null;
    return { km: distanceKm(history.last, { latitude: place.latitude, longitude: place.longitude }), hours: (now - history.last.at) / 3_600_000 };
  }

  return {
    /** The signals a password sign-in of `accountId` fires, from this request's browser and address. */
    async assess(ctx: ParameterizedContext, accountId: string): Promise<RiskAssessment> {
      const now = clock.now();
      const ip = ctx.ip || null;
      const history = await historyOf(accountId);
      const network = ip ? networkOf(ip) : null;
      const place = placeOf(ip);
      const since = Math.max(now - settings.recentFailures.windowSeconds * 1000, (history.verifiedAt ?? 0) + 1);
      const listed = ip !== null && alwaysAsk.has(ip);
      const signals = firedSignals(
        {
          alwaysAsk: listed,
          neverAsk: !listed && ip !== null && neverAsk.has(ip),
          browserVerified: await knownBrowsers.verified(ctx, accountId),
          networkSeenAt: network ? (history.networks[network] ?? null) : null,
          recentFailures: settings.recentFailures.enabled ? await failuresSince(accountId, since) : 0,
          country: place?.country ? { code: place.country, seen: history.countries[place.country] !== undefined } : null,
          travel: travelFrom(history, place, now),
        },
        settings,
        now,
      );
      return { signals, country: place?.countryName ?? place?.country ?? null };
    },

    /**
     * A sign-in of `accountId` passed: its place becomes the last one, and, when it proved a
     * second factor, its network and country usual. Written only when something changed, at
     * most daily for a place already known.
     */
    async signedIn(ctx: ParameterizedContext, accountId: string, { secondFactor }: { secondFactor: boolean }): Promise<void> {
      const now = clock.now();
      const ip = ctx.ip || null;
      const network = ip ? networkOf(ip) : null;
      const place = placeOf(ip);
      const history = await historyOf(accountId);
      const next: SignInHistory = { ...history, networks: { ...history.networks }, countries: { ...history.countries } };
      let changed = false;
      const touch = (map: Record<string, number>, key: string) => {
        if ((map[key] ?? 0) < now - day) {
          map[key] = now;
          changed = true;
        }
      };
      if (secondFactor) {
        if (network) touch(next.networks, network);
        if (place?.country) touch(next.countries, place.country);
        next.verifiedAt = now;
        changed = true;
      }
      if (place?.latitude != null && place.longitude != null) {
        next.last = { latitude: place.latitude, longitude: place.longitude, at: now };
        changed = true;
      }
      if (!changed) return;
      const payload = { ...next, networks: newest(next.networks), countries: newest(next.countries) };
      await records.upsert(kind, accountId, payload as unknown as Record<string, unknown>, now + lifetimeMs, { accountId });
    },
  };
}

export type AdaptiveStepUp = ReturnType<typeof createAdaptiveStepUp>;
