// The MongoDB token repository (the official driver). A refresh-token family is one document: its
// live token (`current`) and the hashes it replaced (`rotated`). Rotation is one findOneAndUpdate
// on the family whose current token has the presented hash, and revocation one update of the same
// document, so MongoDB's single-document atomicity decides every race: of concurrent rotations of
// one token one wins, and a revocation either comes after a rotation (and covers its successor,
// which lives in the revoked family) or before it (and the rotation finds no live family).
// A password-reset token is consumed by one findOneAndUpdate on its unused hash.
import { randomUUID } from "node:crypto";
import type { Collection, Db } from "mongodb";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

interface StoredToken {
  id: string;
  tokenHash: string;
  expiresAt: Date;
}

/** A document of `refresh_token_families` (migrations/0003_auth_tokens.up.json). */
export interface RefreshTokenFamilyDocument {
  _id: string;
  userId: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** The one token of the family that can still be rotated. */
  current: StoredToken;
  /** The tokens it replaced, each revoked when it was rotated: presenting one is reuse. */
  rotated: (StoredToken & { revokedAt: Date })[];
}

/** A document of `password_reset_tokens`. */
export interface ResetTokenDocument {
  _id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

function toRefreshToken(family: RefreshTokenFamilyDocument, token: StoredToken, revokedAt: Date | null): RefreshToken {
  return {
    id: token.id,
    userId: family.userId,
    familyId: family._id,
    tokenHash: token.tokenHash,
    expiresAt: token.expiresAt,
    revokedAt: revokedAt ?? family.revokedAt,
  };
}

function toResetToken(doc: ResetTokenDocument): ResetToken {
  return { id: doc._id, userId: doc.userId, tokenHash: doc.tokenHash, expiresAt: doc.expiresAt, usedAt: doc.usedAt };
}

export class MongoTokenRepository implements TokenRepository {
  private readonly families: Collection<RefreshTokenFamilyDocument>;
  private readonly resets: Collection<ResetTokenDocument>;

  constructor(db: Db) {
    this.families = db.collection<RefreshTokenFamilyDocument>("refresh_token_families");
    this.resets = db.collection<ResetTokenDocument>("password_reset_tokens");
  }

  async createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken> {
    const family: RefreshTokenFamilyDocument = {
      _id: randomUUID(),
      userId,
      createdAt: new Date(),
      revokedAt: null,
      current: { id: randomUUID(), ...token },
      rotated: [],
    };
    await this.families.insertOne(family);
    return toRefreshToken(family, family.current, null);
  }

  async rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined> {
    const next: StoredToken = { id: randomUUID(), ...successor };
    const family = await this.families.findOneAndUpdate(
      { "current.tokenHash": tokenHash, "current.expiresAt": { $gt: now }, revokedAt: null },
      // An update pipeline: the replaced token moves to `rotated` with the time it was revoked.
      [
        {
          $set: {
            rotated: { $concatArrays: ["$rotated", [{ $mergeObjects: ["$current", { revokedAt: now }] }]] },
            current: { $literal: next },
          },
        },
      ],
      { returnDocument: "after" },
    );
    return family ? toRefreshToken(family, family.current, null) : undefined;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const family = await this.families.findOne({
      $or: [{ "current.tokenHash": tokenHash }, { "rotated.tokenHash": tokenHash }],
    });
    if (!family) return undefined;
    if (family.current.tokenHash === tokenHash) return toRefreshToken(family, family.current, null);
    const old = family.rotated.find((t) => t.tokenHash === tokenHash);
    return old && toRefreshToken(family, old, old.revokedAt);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.families.updateOne({ _id: familyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.families.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  async createResetToken(userId: string, token: NewToken): Promise<ResetToken> {
    const doc: ResetTokenDocument = { _id: randomUUID(), userId, ...token, usedAt: null };
    await this.resets.insertOne(doc);
    return toResetToken(doc);
  }

  async consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined> {
    const doc = await this.resets.findOneAndUpdate(
      { tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { returnDocument: "after" },
    );
    return doc ? toResetToken(doc) : undefined;
  }
}
