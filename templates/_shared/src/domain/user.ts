// Users, roles and the validation of the authentication requests.
import { z } from "zod";
import { text } from "../validation.js";

export const roles = ["user", "admin"] as const;
export type Role = (typeof roles)[number];

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
}

/** An email address as browsers define it (HTML5), the addresses users can type in a form. */
export const emailAddress = z.email({ pattern: z.regexes.html5Email });

// `format: email` in the OpenAPI document, where the input side of the pipe is a plain string.
const email = z.string().trim().toLowerCase().pipe(emailAddress).meta({ format: "email" });

/** Argon2id hashes the whole password (no 72-byte cut as with bcrypt); the cap only bounds the work. */
const password = text().min(8).max(200);

export const credentialsSchema = z.object({ email, password });

export const refreshSchema = z.object({ refreshToken: text().min(1).max(200) });

export const resetRequestSchema = z.object({ email });

export const resetConfirmSchema = z.object({ token: text().min(1).max(200), password });

export type Credentials = z.infer<typeof credentialsSchema>;

/** The public view of a user: never the password hash. */
export function userJson(u: User) {
  return { id: u.id, email: u.email, role: u.role, createdAt: u.createdAt.toISOString() };
}
