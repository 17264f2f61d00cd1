/**
 * Where sealed mode's keys come from. The codec asks a `KeySource` for a tenant's current key (to write) and for a
 * key by id (to read), asynchronously, so a KMS (envelope keys fetched and cached per tenant) can stand behind the
 * same interface as the keys in the environment or a file (src/sealed/key-config.ts).
 */

/** One AES-256 key of one tenant. */
export interface SealedKey {
  tenant: string;
  /** Named in every ciphertext it wrote, so a rotated-out key still reads old events. */
  id: string;
  /** 32 bytes. */
  bytes: Buffer;
}

export interface KeySource {
  /** The key a tenant's new writes use; undefined when the tenant has no key here. */
  current(tenant: string): Promise<SealedKey | undefined>;
  /** A tenant's key by id, for reading; undefined when this source does not have it. */
  byId(tenant: string, id: string): Promise<SealedKey | undefined>;
  /** Every key held, of one tenant or all: a search query hashes its value with each (src/sealed/search-hash.ts). */
  allKeys?(tenant?: string): SealedKey[];
}

/** A tenant's keys as configured: which one is current, and every key by id (old ones kept for reading). */
export interface TenantKeys {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** Keys this process holds itself (environment or file): it can list them, e.g. to hash a search value with each. */
export interface HeldKeySource extends KeySource {
  tenantNames(): string[];
  allKeys(tenant?: string): SealedKey[];
}

/** A key source over keys held in memory (from the environment, or one version of a file). */
export class StaticKeySource implements HeldKeySource {
  constructor(private readonly tenants: ReadonlyMap<string, TenantKeys>) {}

  /** The tenants that have keys here. */
  tenantNames(): string[] {
    return [...this.tenants.keys()].sort();
  }

  /** A tenant's current key id (ids are not secret: every payload names its own). */
  currentId(tenant: string): string | undefined {
    return this.tenants.get(tenant)?.current;
  }

  allKeys(tenant?: string): SealedKey[] {
    const out: SealedKey[] = [];
    for (const name of tenant === undefined ? this.tenantNames() : [tenant])
      for (const [id, bytes] of this.tenants.get(name)?.keys ?? []) out.push({ tenant: name, id, bytes });
    return out;
  }

  current(tenant: string): Promise<SealedKey | undefined> {
    const keys = this.tenants.get(tenant);
    return this.byId(tenant, keys?.current ?? '');
  }

  byId(tenant: string, id: string): Promise<SealedKey | undefined> {
    const bytes = this.tenants.get(tenant)?.keys.get(id);
    return Promise.resolve(bytes ? { tenant, id, bytes } : undefined);
  }
}
