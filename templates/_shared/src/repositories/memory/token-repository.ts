// An in-memory token repository. Each method checks and changes its rows without awaiting in
// between, which makes it atomic on Node's single thread.
import { randomUUID } from "node:crypto";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

export class MemoryTokenRepository implements TokenRepository {
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly revokedFamilies = new Map<string, Date>();
  private readonly reset = new Map<string, ResetToken>();

  async createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken> {
    return this.store(userId, randomUUID(), token);
  }

  async rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined> {
    const current = this.byHash(tokenHash);
    if (!current || current.revokedAt || this.revokedFamilies.has(current.familyId) || current.expiresAt <= now) {
      return undefined;
    }
    this.refresh.set(current.id, { ...current, revokedAt: now });
    return this.store(current.userId, current.familyId, successor);
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const row = this.byHash(tokenHash);
    return row && { ...row, revokedAt: row.revokedAt ?? this.revokedFamilies.get(row.familyId) ?? null };
  }

  async revokeFamily(familyId: string): Promise<void> {
    const now = new Date();
    if (!this.revokedFamilies.has(familyId)) this.revokedFamilies.set(familyId, now);
    for (const row of this.refresh.values()) {
      if (row.familyId === familyId && !row.revokedAt) this.refresh.set(row.id, { ...row, revokedAt: now });
    }
  }

  async revokeAllForUser(userId: string): Promise<void> {
    const families = new Set([...this.refresh.values()].filter((t) => t.userId === userId).map((t) => t.familyId));
    for (const family of families) await this.revokeFamily(family);
  }

  async createResetToken(userId: string, token: NewToken): Promise<ResetToken> {
    const row: ResetToken = { id: randomUUID(), userId, ...token, usedAt: null };
    this.reset.set(row.id, row);
    return row;
  }

  async consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined> {
    const row = [...this.reset.values()].find((t) => t.tokenHash === tokenHash);
    if (!row || row.usedAt || row.expiresAt <= now) return undefined;
    const used = { ...row, usedAt: now };
    this.reset.set(row.id, used);
    return used;
  }

  private byHash(tokenHash: string): RefreshToken | undefined {
    return [...this.refresh.values()].find((t) => t.tokenHash === tokenHash);
  }

  private store(userId: string, familyId: string, token: NewToken): RefreshToken {
    const row: RefreshToken = { id: randomUUID(), userId, familyId, ...token, revokedAt: null };
    this.refresh.set(row.id, row);
    return row;
  }
}
