// An in-memory token repository.
import { randomUUID } from "node:crypto";
import type { RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

export class MemoryTokenRepository implements TokenRepository {
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly reset = new Map<string, ResetToken>();

  async createRefreshToken(t: Omit<RefreshToken, "id" | "revokedAt">): Promise<RefreshToken> {
    const row: RefreshToken = { id: randomUUID(), revokedAt: null, ...t };
    this.refresh.set(row.id, row);
    return row;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return [...this.refresh.values()].find((t) => t.tokenHash === tokenHash);
  }

  async revokeRefreshToken(id: string): Promise<void> {
    const row = this.refresh.get(id);
    if (row && !row.revokedAt) this.refresh.set(id, { ...row, revokedAt: new Date() });
  }

  async revokeFamily(familyId: string): Promise<void> {
    for (const row of this.refresh.values()) {
      if (row.familyId === familyId) await this.revokeRefreshToken(row.id);
    }
  }

  async revokeAllForUser(userId: string): Promise<void> {
    for (const row of this.refresh.values()) {
      if (row.userId === userId) await this.revokeRefreshToken(row.id);
    }
  }

  async createResetToken(t: Omit<ResetToken, "id" | "usedAt">): Promise<ResetToken> {
    const row: ResetToken = { id: randomUUID(), usedAt: null, ...t };
    this.reset.set(row.id, row);
    return row;
  }

  async findResetToken(tokenHash: string): Promise<ResetToken | undefined> {
    return [...this.reset.values()].find((t) => t.tokenHash === tokenHash);
  }

  async markResetTokenUsed(id: string): Promise<void> {
    const row = this.reset.get(id);
    if (row) this.reset.set(id, { ...row, usedAt: new Date() });
  }
}
