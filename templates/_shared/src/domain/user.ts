// Users, roles and the validation of the authentication requests.
import { z } from "zod";

export const roles = ["user", "admin"] as const;
export type Role = (typeof roles)[number];

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
}

export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(8).max(200),
});

export const refreshSchema = z.object({ refreshToken: z.string().min(1) });

export const resetRequestSchema = z.object({ email: z.string().trim().toLowerCase().pipe(z.email()) });

export const resetConfirmSchema = z.object({
  token: z.string().min(1),
  password: z.string().min(8).max(200),
});

export type Credentials = z.infer<typeof credentialsSchema>;

/** The public view of a user: never the password hash. */
export function userJson(u: User) {
  return { id: u.id, email: u.email, role: u.role, createdAt: u.createdAt.toISOString() };
}
